package dev.kiln.tokenizer.bpe;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataException;

/** Checks {@code tokenizer.ggml.model}, so a factory is never handed another model's vocabulary silently. */
final class ModelKey {
    static final String KEY = "tokenizer.ggml.model";

    private ModelKey() {
    }

    static void require(Metadata md, String expected) {
        md.findString(KEY).ifPresent(model -> {
            if (!model.equals(expected)) {
                throw new MetadataException(KEY, "is '" + model + "'; this tokenizer handles '" + expected + "'");
            }
        });
    }
}
