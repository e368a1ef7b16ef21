package dev.kiln.toolkit.decoder;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.ModelFile;

/**
 * Reads hyper-parameters from a model file's metadata and refuses bad ones with a
 * {@link KilnException} naming the file and the key.
 */
public final class MetadataReader {
    private final ModelFile file;
    private final Metadata metadata;

    public MetadataReader(ModelFile file) {
        this.file = file;
        this.metadata = file.metadata();
    }

    public ModelFile file() {
        return file;
    }

    public Metadata metadata() {
        return metadata;
    }

    /** A required integer key that must be positive. */
    public int positiveInt(String key) {
        return positive(key, metadata.getInt(key));
    }

    /** An integer key that must be positive if present. */
    public int positiveInt(String key, int defaultValue) {
        return positive(key, metadata.getInt(key, defaultValue));
    }

    /** A float key that must be a positive finite number if present. */
    public float positiveFloat(String key, float defaultValue) {
        float v = metadata.getFloat(key, defaultValue);
        if (!(v > 0) || !Float.isFinite(v)) {
            throw error(key, "is " + v + ", must be a positive number");
        }
        return v;
    }

    /** The error for a key whose value is wrong: {@code FILE: metadata key 'KEY' PROBLEM}. */
    public KilnException error(String key, String problem) {
        return new KilnException(file.path() + ": metadata key '" + key + "' " + problem);
    }

    private int positive(String key, int v) {
        if (v <= 0) {
            throw error(key, "is " + v + ", must be positive");
        }
        return v;
    }
}
