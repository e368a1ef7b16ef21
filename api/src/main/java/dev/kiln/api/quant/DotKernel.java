package dev.kiln.api.quant;

import java.lang.foreign.MemorySegment;

/**
 * Dot products of weight rows of one type against an activation row, the inner loop of a
 * matrix multiplication. The activation row is prepared once per multiplication into the form
 * the kernel wants (floats, or e.g. Q8 blocks with block sums, as llama.cpp does) and then
 * reused for every weight row.
 *
 * @param <A> the prepared activation form
 */
public interface DotKernel<A> {

    /** Converts {@code count} activations starting at {@code x[offset]}; count is a multiple of the block size. */
    A prepare(float[] x, int offset, int count);

    /**
     * Σ w[i]·x[i] over {@code count} elements, the weights starting at byte {@code offset} of
     * {@code weights}, {@code x} from {@link #prepare}.
     */
    float dot(MemorySegment weights, long offset, A x, int count);

    /**
     * Dot products of {@code rowCount} consecutive weight rows (each {@code rowBytes} long, the
     * first at {@code offset}) against {@code x}, into {@code out[outOffset + r]}. Kernels that
     * gain from reading several rows in one pass override this.
     */
    default void dotRows(MemorySegment weights, long offset, long rowBytes, int rowCount, A x, int count,
                         float[] out, int outOffset) {
        for (int r = 0; r < rowCount; r++) {
            out[outOffset + r] = dot(weights, offset + r * rowBytes, x, count);
        }
    }
}
