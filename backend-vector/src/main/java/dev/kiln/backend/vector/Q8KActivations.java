package dev.kiln.backend.vector;

/**
 * An activation row quantized to Q8_K blocks by the toolkit's
 * {@link dev.kiln.toolkit.quant.activation.Q8KActivations} (ggml's {@code quantize_row_q8_K_ref},
 * as the Q4_K/Q6_K plugins do), with the values widened to {@code short} for the 16-bit-lane
 * kernels and integer sums per 32 values for Q4_K's min term.
 */
final class Q8KActivations {
    static final int QK = 256;

    final short[] qs;
    final float[] d;
    final int[] sums32;

    private Q8KActivations(int count) {
        qs = new short[count];
        d = new float[count / QK];
        sums32 = new int[count / 32];
    }

    static Q8KActivations of(float[] x, int offset, int count) {
        var q = dev.kiln.toolkit.quant.activation.Q8KActivations.of(x, offset, count);
        Q8KActivations y = new Q8KActivations(count);
        for (int b = 0; b < y.d.length; b++) {
            y.d[b] = q.scale(b);
        }
        for (int i = 0; i < count; i++) {
            int v = q.quant(i);
            y.qs[i] = (short) v;
            y.sums32[i / 32] += v;
        }
        return y;
    }

    /** The Q8_K-rounded values q·d of {@code x[offset .. offset + count)}. */
    static float[] round(float[] x, int offset, int count) {
        return dev.kiln.toolkit.quant.activation.Q8KActivations.of(x, offset, count).toFloats();
    }
}
