package dev.kiln.api.format;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An opened model file: metadata, tensor directory and zero-copy tensor data. Tensor data
 * segments are slices of one read-only memory mapping and stay valid until {@link #close()}.
 */
public interface ModelFile extends AutoCloseable {

    /** The file this was opened from. */
    Path path();

    /** The format's version number (e.g. 3 for GGUF v3). */
    int version();

    /** The alignment of tensor data in bytes. */
    long alignment();

    Metadata metadata();

    /** Every tensor, in file order. */
    List<TensorInfo> tensors();

    /** The tensor named {@code name}. */
    Optional<TensorInfo> tensor(String name);

    /** The tensor's bytes as a read-only slice of the mapping; never copied. */
    MemorySegment data(TensorInfo tensor);

    /** Unmaps the file; segments returned by {@link #data} are invalid afterwards. */
    @Override
    void close();
}
