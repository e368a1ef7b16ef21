package dev.kiln.backend.vector;

/**
 * An activation row quantized to Q8_K blocks exactly as the Q4_K/Q6_K plugins (ggml's
 * {@code quantize_row_q8_K_ref}) do: per 256 values, scale so the value of largest magnitude
 * maps to −127, {@code q = min(127, nearest_int(x · iscale))}, {@code d = 1/iscale}. Values are
 * kept widened to {@code short} for the 16-bit-lane kernels, with integer sums per 32 values for
 * Q4_K's min term.
 */
final class Q8KActivations {
    static final int QK = 256;
    private static final float RINT = 12582912f;

    final short[] qs;
    final float[] d;
    final int[] sums32;

    private Q8KActivations(int count) {
        qs = new short[count];
        d = new float[count / QK];
        sums32 = new int[count / 32];
    }

    static Q8KActivations of(float[] x, int offset, int count) {
        Q8KActivations y = new Q8KActivations(count / QK * QK);
        for (int b = 0; b < count / QK; b++) {
            int xo = offset + b * QK;
            float max = 0;
            float amax = 0;
            for (int j = 0; j < QK; j++) {
                float ax = Math.abs(x[xo + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xo + j];
                }
            }
            if (amax == 0) {
                continue; // d, qs and sums stay zero
            }
            float iscale = -127f / max;
            int qo = b * QK;
            for (int j = 0; j < QK; j++) {
                int q = Math.min(127, (int) ((iscale * x[xo + j] + RINT) - RINT));
                y.qs[qo + j] = (short) q;
                y.sums32[(qo + j) / 32] += q;
            }
            y.d[b] = 1 / iscale;
        }
        return y;
    }

    /** The Q8_K-rounded values q·d of {@code x[offset .. offset + count)}. */
    static float[] round(float[] x, int offset, int count) {
        Q8KActivations a = of(x, offset, count);
        float[] r = new float[count];
        for (int i = 0; i < count; i++) {
            r[i] = a.qs[i] * a.d[i / QK];
        }
        return r;
    }
}
