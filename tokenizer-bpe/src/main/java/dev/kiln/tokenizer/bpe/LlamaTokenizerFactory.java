package dev.kiln.tokenizer.bpe;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerFactory;

/**
 * SentencePiece-style BPE for {@code tokenizer.ggml.model = llama} (Llama 1/2, TinyLlama,
 * Mistral 7B v0.1...). Without the keys saying otherwise, BOS is 1, EOS 2, UNK 0, BOS is added,
 * EOS is not, and a space is put in front of the text: llama.cpp's defaults for this model.
 */
public final class LlamaTokenizerFactory implements TokenizerFactory {

    private static final Vocabulary.Defaults DEFAULTS = new Vocabulary.Defaults(1, 2, 0, true, false, true);

    @Override
    public String model() {
        return "llama";
    }

    @Override
    public Tokenizer create(Metadata metadata) {
        ModelKey.require(metadata, model());
        return new SpmTokenizer(Vocabulary.load(metadata, DEFAULTS));
    }
}
