package dev.kiln.tokenizer.bpe;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.conformance.TokenizerContract;

/** The tokenizer contract on the Llama 2 / TinyLlama SentencePiece vocabulary. */
class SpmVocabContractTest extends TokenizerContract {
    @Override
    protected Tokenizer subject() {
        return Fixtures.tokenizer("vocab/ggml-vocab-llama-spm.gguf");
    }
}
