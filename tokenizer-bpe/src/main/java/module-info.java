/**
 * The BPE tokenizers Kiln ships: SentencePiece-style BPE ({@code tokenizer.ggml.model = llama})
 * and byte-level BPE ({@code gpt2}), both behaving as llama.cpp's tokenizers do.
 */
module dev.kiln.tokenizer.bpe {
    requires dev.kiln.api;

    provides dev.kiln.api.tokenizer.TokenizerFactory
            with dev.kiln.tokenizer.bpe.LlamaTokenizerFactory, dev.kiln.tokenizer.bpe.Gpt2TokenizerFactory;
}
