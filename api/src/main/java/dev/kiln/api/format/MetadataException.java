package dev.kiln.api.format;

import dev.kiln.api.KilnException;

/** A metadata key is missing or holds a value of the wrong type. */
public final class MetadataException extends KilnException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public MetadataException(String key, String problem) {
        super("metadata key '" + key + "' " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
