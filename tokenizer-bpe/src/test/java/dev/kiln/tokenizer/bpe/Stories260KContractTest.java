package dev.kiln.tokenizer.bpe;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.conformance.TokenizerContract;

/** The tokenizer contract on stories260K's 512-token SentencePiece vocabulary, where most text falls back to bytes. */
class Stories260KContractTest extends TokenizerContract {
    @Override
    protected Tokenizer subject() {
        return Fixtures.tokenizer("models/stories260K.gguf");
    }
}
