package dev.kiln.toolkit.quant;

/**
 * ggml's non-linear 4-bit codebook ({@code kvalues_iq4nl}), shared by IQ4_NL and IQ4_XS: a
 * nibble {@code i} stands for {@code value(i) · scale}. Also the part of ggml's
 * {@code quantize_row_iq4_nl_impl} both types run per 32-value block (without an importance
 * matrix: each value weighted by its square): the nearest code, and the search for the block
 * scale that minimizes the weighted error, bit for bit as ggml does it.
 */
public final class NonLinear4 {
    /** Values per block whose scale {@link #blockScale} finds. */
    public static final int BLOCK = 32;
    /** How many scales either side of the first guess the search tries (ggml's {@code ntry}). */
    private static final int TRIES = 7;
    /** A block whose largest magnitude is below this gets scale 0 (ggml's {@code GROUP_MAX_EPS}). */
    private static final float GROUP_MAX_EPS = 1e-15f;
    private static final byte[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private NonLinear4() {
    }

    /** The value code {@code index} (0..15) stands for, before scaling. */
    public static int value(int index) {
        return VALUES[index];
    }

    /** The 16 values, in code order (a copy: e.g. for a vector kernel's lookup table). */
    public static byte[] values() {
        return VALUES.clone();
    }

    /**
     * The code whose value is nearest to {@code x} (ggml's {@code best_index_int8}): a value
     * exactly between two codes takes the upper one, anything beyond the ends the end code.
     */
    public static int nearest(float x) {
        // the values are sorted: x takes code i once it reaches the midpoint of codes i - 1 and i;
        // 2x and the sum of two codes are exact, so the comparison is too
        float twice = x + x;
        int index = 0;
        for (int step = VALUES.length >> 1; step > 0; step >>= 1) {
            int j = index + step;
            if (twice >= VALUES[j - 1] + VALUES[j]) {
                index = j;
            }
        }
        return index;
    }

    /**
     * The scale of the 32 values {@code x[from ..]} as ggml's search finds it without an
     * importance matrix (weights {@code x²}, 15 trial scales around {@code -max/127}), or 0 for a
     * block below ggml's threshold. The codes are not returned: ggml requantizes each value with
     * the scale finally stored (see {@link #nearest}).
     */
    public static float blockScale(float[] x, int from) {
        float max = BlockExtremes.signedMax(x, from, BLOCK);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            return 0;
        }
        float d = -max / VALUES[0];
        float id = 1 / d;
        float sumqx = 0;
        float sumq2 = 0;
        for (int j = 0; j < BLOCK; j++) {
            float v = x[from + j];
            float q = VALUES[nearest(id * v)];
            float w = v * v;
            sumqx += w * q * v;
            sumq2 += w * q * q;
        }
        d = sumq2 > 0 ? sumqx / sumq2 : 0f;
        float best = d * sumqx;
        for (int t = -TRIES; t <= TRIES; t++) {
            id = (t + VALUES[0]) / max;
            sumqx = 0;
            sumq2 = 0;
            for (int j = 0; j < BLOCK; j++) {
                float v = x[from + j];
                float q = VALUES[nearest(id * v)];
                float w = v * v;
                sumqx += w * q * v;
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        return d;
    }
}
