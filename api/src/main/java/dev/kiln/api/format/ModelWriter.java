package dev.kiln.api.format;

import dev.kiln.api.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Builds a model file: metadata and tensors are declared first, then {@link #write()} lays
 * out the header, maps the output and asks each tensor's {@link TensorSource} to fill its
 * slice. Sources may be called concurrently from several threads.
 */
public interface ModelWriter {

    /** Sets a metadata entry (insertion order is file order; setting a key again replaces it). */
    ModelWriter put(String key, MetadataValue value);

    /** Copies every entry of {@code metadata}. */
    default ModelWriter putAll(Metadata metadata) {
        metadata.asMap().forEach(this::put);
        return this;
    }

    /** Declares a tensor. {@code shape} is in GGUF order (innermost first). */
    ModelWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source);

    /**
     * Writes the file with at most {@code threads} sources running at once.
     *
     * @throws dev.kiln.api.KilnException if the file cannot be written
     */
    void write(int threads);

    /** Writes the file on the calling thread. */
    default void write() {
        write(1);
    }

    /** Produces one tensor's bytes. */
    @FunctionalInterface
    interface TensorSource {
        /** Fills {@code target}, which is exactly the tensor's byte size. */
        void writeTo(MemorySegment target);
    }
}
