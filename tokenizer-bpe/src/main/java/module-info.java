/**
 * The BPE tokenizers Kiln ships, behaving as llama.cpp's: SentencePiece-style BPE for
 * {@code tokenizer.ggml.model = llama} and byte-level BPE for {@code gpt2} with the
 * pre-tokenizers {@code default}, {@code gpt-2} (and {@code phi-2}), {@code llama-bpe} (and
 * {@code llama3}, {@code llama-v3}), {@code smaug-bpe} (and {@code dbrx}), {@code qwen2} (and
 * {@code deepseek-r1-qwen}), {@code smollm} (and the StarCoder family) and {@code tekken}; any
 * other is refused.
 *
 * <p>Encoding matches llama.cpp's {@code llama_tokenize}. Decoding is the tokens' pieces joined
 * (what a streaming printer shows) and differs from llama.cpp's {@code llama_detokenize} in two
 * deliberate ways, both so that {@code decode(encode(s)) == s}: byte-level vocabularies skip
 * the {@code clean_up_tokenization_spaces} pass (which turns {@code "a ."} into {@code "a."}),
 * and SentencePiece decoding removes the prefix space from the first token after a leading BOS
 * too, not only from a first token.
 */
module dev.kiln.tokenizer.bpe {
    requires dev.kiln.api;

    provides dev.kiln.api.tokenizer.TokenizerFactory
            with dev.kiln.tokenizer.bpe.LlamaTokenizerFactory, dev.kiln.tokenizer.bpe.Gpt2TokenizerFactory;
}
