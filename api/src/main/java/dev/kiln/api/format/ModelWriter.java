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
     * Writes the file with at most {@code threads} sources running at once. The file must not
     * exist or be empty: a writer never destroys data, and removes what it wrote if it fails.
     * Replacing a file (atomically, keeping its permissions, cleaned up on a signal) is the
     * engine's job: {@code dev.kiln.runtime.io.OutputFile} hands the writer an empty partial file
     * and renames it into place.
     *
     * @throws dev.kiln.api.KilnException if the file cannot be written, exists with content, or
     *                                    the file system has no room for it
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
