package dev.kiln.toolkit.quant.activation;

/**
 * {@link Q8KActivations} laid out for SIMD kernels that multiply in 16-bit lanes (the Vector
 * API has no int8 dot product): the values widened to {@code short}, the block scales, and the
 * integer sums per 16 and per 32 values (for the min and bias terms of the K-quants). The rounding
 * is {@link Q8KActivations}', so a kernel on this form agrees with one on that form within float
 * rounding.
 *
 * <p>The accessors return the arrays themselves, for kernels to load vectors from without a
 * copy: callers must not modify them. Immutable otherwise; safe to read from many threads.
 */
public final class WideQ8KActivations {
    private final short[] quants;
    private final float[] scales;
    private final short[] sums16;
    private final int[] sums32;

    private WideQ8KActivations(Q8KActivations q) {
        int n = q.count();
        quants = new short[n];
        scales = new float[q.blockCount()];
        sums16 = new short[n / Q8KActivations.SUM_GROUP];
        sums32 = new int[n / 32];
        for (int b = 0; b < scales.length; b++) {
            scales[b] = q.scale(b);
        }
        for (int i = 0; i < n; i++) {
            quants[i] = q.quant(i);
            sums32[i / 32] += quants[i];
        }
        for (int g = 0; g < sums16.length; g++) {
            sums16[g] = q.blockSum(g);
        }
    }

    /** Quantizes {@code count} activations from {@code x[offset]} as {@link Q8KActivations#of} does. */
    public static WideQ8KActivations of(float[] x, int offset, int count) {
        return new WideQ8KActivations(Q8KActivations.of(x, offset, count));
    }

    /** The same activations, widened. */
    public static WideQ8KActivations of(Q8KActivations q) {
        return new WideQ8KActivations(q);
    }

    /** Number of activations. */
    public int count() {
        return quants.length;
    }

    /** The rounded values (not to be modified). */
    public short[] quants() {
        return quants;
    }

    /** The scale of each 256-value block (not to be modified). */
    public float[] scales() {
        return scales;
    }

    /** Σ quant per 16 values, as {@link Q8KActivations#blockSum} (not to be modified). */
    public short[] sums16() {
        return sums16;
    }

    /** Σ quant per 32 values (not to be modified). */
    public int[] sums32() {
        return sums32;
    }
}
