package dev.kiln.toolkit.quant.activation;

/**
 * {@link QuantizedActivations} with the int8 values widened to {@code short} once per row, for
 * SIMD kernels that multiply in 16-bit lanes (the Vector API has no int8 dot product) and load
 * the values straight from an array. {@link #quants()} and {@link #scales()} hand out the arrays
 * themselves, not copies, so a kernel's inner loop reads them directly: a kernel reads them,
 * never writes them.
 */
public final class WidenedActivations {
    private final short[] qs;
    private final float[] d;
    private final float[] sums;
    private final int blockSize;

    private WidenedActivations(short[] qs, float[] d, float[] sums, int blockSize) {
        this.qs = qs;
        this.d = d;
        this.sums = sums;
        this.blockSize = blockSize;
    }

    /** The values and scales of {@code a}, and its block sums if it is {@link Q8_1Activations}. */
    public static WidenedActivations of(QuantizedActivations a) {
        short[] qs = new short[a.qs.length];
        for (int i = 0; i < qs.length; i++) {
            qs[i] = a.qs[i];
        }
        float[] sums = null;
        if (a instanceof Q8_1Activations q81) {
            sums = new float[a.blockCount()];
            for (int b = 0; b < sums.length; b++) {
                sums[b] = q81.sum(b);
            }
        }
        return new WidenedActivations(qs, a.d.clone(), sums, a.blockSize());
    }

    /** The rounded values, one per activation (read only). */
    public short[] quants() {
        return qs;
    }

    /** The scale of each block (read only). */
    public float[] scales() {
        return d;
    }

    /** Q8_1's rounded block sums ({@link Q8_1Activations#sum}) (read only), or null for the other forms. */
    public float[] sums() {
        return sums;
    }

    /** Values per block. */
    public int blockSize() {
        return blockSize;
    }

    /** Number of activations. */
    public int count() {
        return qs.length;
    }
}
