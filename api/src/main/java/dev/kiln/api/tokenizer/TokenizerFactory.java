package dev.kiln.api.tokenizer;

import dev.kiln.api.format.Metadata;

/** A tokenizer plugin, keyed by the file's {@code tokenizer.ggml.model}. */
public interface TokenizerFactory {

    /** The {@code tokenizer.ggml.model} value this plugin handles, e.g. {@code llama} or {@code gpt2}. */
    String model();

    /**
     * Builds a tokenizer from the {@code tokenizer.ggml.*} metadata.
     *
     * @throws dev.kiln.api.KilnException if a required key is missing or the variant (e.g. a
     *         {@code tokenizer.ggml.pre} value) is not implemented; never a silently different tokenizer
     */
    Tokenizer create(Metadata metadata);
}
