package dev.kiln.api.quant;

import dev.kiln.api.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * A tensor element type: its block layout, and the arithmetic on it. One plugin per type.
 *
 * <p>Offsets into segments are byte offsets and must start a block; element counts must be a
 * multiple of {@link #blockSize()}. A segment range that does not hold the requested blocks is
 * rejected with an {@link IndexOutOfBoundsException}-free {@link QuantException}.
 * Implementations are stateless and safe to use from many threads.
 *
 * <p>Backends multiply by a weight matrix row by row through a {@link DotKernel}. They use
 * their own kernel for a type when they have one, else {@link #vectorKernel()} (the vector
 * backend) and finally {@link #kernel()}. A third-party type therefore runs on every backend
 * with only this interface implemented, and can ship its own Vector API kernel.
 */
public interface QuantType {

    /** The ggml type this plugin implements. */
    GgmlType ggmlType();

    /** GGML type name, e.g. {@code Q4_K}. */
    default String name() {
        return ggmlType().name();
    }

    /** Elements per block. */
    default int blockSize() {
        return ggmlType().blockSize();
    }

    /** Bytes per block. */
    default int blockBytes() {
        return ggmlType().blockBytes();
    }

    /** Bytes taken by {@code elements} values (a multiple of the block size). */
    default long byteSize(long elements) {
        long n = ggmlType().byteSize(elements);
        if (n < 0) {
            throw new QuantException(name() + ": " + elements + " elements is not a whole number of "
                    + blockSize() + "-element blocks");
        }
        return n;
    }

    /** Decodes {@code count} values starting at byte {@code offset} of {@code src} into {@code dst}. */
    void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count);

    /**
     * Encodes {@code count} values of {@code src} into blocks at byte {@code offset} of {@code dst},
     * exactly as ggml's reference quantizer ({@code quantize_row_*_ref}) does.
     */
    void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset);

    /** A portable (plain Java) dot-product kernel. */
    DotKernel<?> kernel();

    /**
     * An optional kernel written with {@code jdk.incubator.vector}, used by the vector backend when
     * it has no built-in kernel for this type. Must compute the same value as {@link #kernel()}
     * within float rounding.
     */
    default Optional<DotKernel<?>> vectorKernel() {
        return Optional.empty();
    }
}
