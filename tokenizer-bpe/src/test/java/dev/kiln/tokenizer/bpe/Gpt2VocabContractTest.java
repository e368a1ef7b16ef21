package dev.kiln.tokenizer.bpe;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.conformance.TokenizerContract;

/** The tokenizer contract on the GPT-2 byte-level BPE vocabulary. */
class Gpt2VocabContractTest extends TokenizerContract {
    @Override
    protected Tokenizer subject() {
        return Fixtures.tokenizer("vocab/ggml-vocab-gpt-2.gguf");
    }
}
