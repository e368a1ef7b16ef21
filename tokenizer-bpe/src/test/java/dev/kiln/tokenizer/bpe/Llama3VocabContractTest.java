package dev.kiln.tokenizer.bpe;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.conformance.TokenizerContract;

/** The tokenizer contract on the Llama 3 byte-level BPE vocabulary (pre-tokenizer {@code llama-bpe}). */
class Llama3VocabContractTest extends TokenizerContract {
    @Override
    protected Tokenizer subject() {
        return Fixtures.tokenizer("vocab/ggml-vocab-llama-bpe.gguf");
    }
}
