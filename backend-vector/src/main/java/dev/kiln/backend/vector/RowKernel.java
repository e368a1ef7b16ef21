package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A built-in SIMD kernel for one weight layout: dot products of weight rows with float
 * activations (token generation) and row decoding to floats (prompt processing, where each
 * decoded row is reused for many tokens). Activations stay float: see KERNELS.md for why.
 */
abstract class RowKernel {

    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final Lanes lanes;

    RowKernel(Lanes lanes) {
        this.lanes = lanes;
    }

    /**
     * Per-activation-row data the kernel wants (e.g. sums of 32-element groups), computed once
     * per matrix multiplication; {@code null} if none.
     */
    Object prepare(float[] x, int xOffset, int n) {
        return null;
    }

    /**
     * {@code x[offset .. offset + n)} rounded as this type's plugin (and ggml) rounds activations
     * before multiplying (to Q8_0, F16, BF16), or {@code null} if they are used as they are.
     * Prompt processing multiplies decoded rows with these, so it agrees with {@link #dot}.
     */
    float[] roundedActivations(float[] x, int offset, int n) {
        return null;
    }

    /** Σ w[i]·x[xOffset + i] for {@code i < n}, the row starting at byte {@code offset}. */
    abstract float dot(MemorySegment w, long offset, float[] x, int xOffset, int n, Object prepared);

    /** Decodes {@code n} weights starting at byte {@code offset} into {@code dst[dstOffset ..]}. */
    abstract void decode(MemorySegment w, long offset, float[] dst, int dstOffset, int n);

    /**
     * Dot products of rows {@code [r0, r1)} with {@code x} into {@code out[outOffset + r]}.
     * Kernels that gain from sharing activation loads between rows override this.
     */
    void dotRows(MemorySegment w, long rowBytes, int r0, int r1, float[] x, int xOffset, int n, Object prepared,
                 float[] out, int outOffset) {
        for (int r = r0; r < r1; r++) {
            out[outOffset + r] = dot(w, r * rowBytes, x, xOffset, n, prepared);
        }
    }

    static float half(MemorySegment w, long offset) {
        return Float.float16ToFloat(w.get(F16, offset));
    }
}
