package dev.kiln.quant.q3_k;

import dev.kiln.toolkit.quant.NearestInt;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's reference Q3_K quantizer ({@code quantize_row_q3_K_ref} with
 * {@code make_q3_quants(16, 4, x, L, true)}): each 16 values fitted with levels in [-4, 3] by a
 * weighted (x²) least-squares fit refined level by level, the sixteen scales rounded to 6 bits of
 * an f16 {@code d}, every value requantized against them. Same float arithmetic as ggml, so the
 * bytes match. Holds scratch buffers: one instance per thread.
 */
final class Q3KQuantizer {
    private static final int SUB = 16;
    private static final int NMAX = 4;
    private static final float GROUP_MAX_EPS = 1e-15f;

    /** Levels biased by 4 (0-7), as ggml keeps them in {@code L}. */
    private final int[] levels = new int[Q3KLayout.BLOCK];
    private final float[] scales = new float[16];
    private final byte[] packed = new byte[Q3KLayout.BYTES];

    void quantizeBlock(float[] x, int xo, MemorySegment dst, long block) {
        float maxScale = 0;
        float amax = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = fitScale(x, xo + SUB * j, SUB * j);
            float scale = Math.abs(scales[j]);
            if (scale > amax) {
                amax = scale;
                maxScale = scales[j];
            }
        }

        java.util.Arrays.fill(packed, (byte) 0);
        short dHalf = 0;
        if (maxScale != 0) {
            float iscale = -32f / maxScale;
            for (int j = 0; j < 16; j++) {
                // int8_t in ggml: the int is truncated to a byte before the clamp
                int l = Math.max(-32, Math.min(31, (byte) NearestInt.of(iscale * scales[j]))) + 32;
                if (j < 8) {
                    packed[Q3KLayout.SCALES + j] = (byte) (l & 0xF);
                } else {
                    packed[Q3KLayout.SCALES + j - 8] |= (byte) ((l & 0xF) << 4);
                }
                packed[Q3KLayout.SCALES + 8 + j % 4] |= (byte) ((l >> 4) << (2 * (j / 4)));
            }
            dHalf = Float.floatToFloat16(1 / iscale);
        }

        // Requantize every value against the rounded (f16, 6-bit) scale.
        float dAll = Float.float16ToFloat(dHalf);
        for (int j = 0; j < 16; j++) {
            int low = j < 8 ? packed[Q3KLayout.SCALES + j] & 0xF : (packed[Q3KLayout.SCALES + j - 8] & 0xFF) >> 4;
            int sc = (low | (((packed[Q3KLayout.SCALES + 8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
            float d = dAll * sc;
            if (d == 0) {
                continue; // ggml keeps the levels from the fit
            }
            for (int ii = 0; ii < SUB; ii++) {
                int l = NearestInt.of(x[xo + SUB * j + ii] / d);
                levels[SUB * j + ii] = Math.max(-4, Math.min(3, l)) + 4;
            }
        }

        // The high bit of value j goes to bit j / 32 of hmask byte j % 32.
        for (int j = 0; j < Q3KLayout.BLOCK; j++) {
            if (levels[j] > 3) {
                packed[Q3KLayout.HMASK + j % 32] |= (byte) (1 << (j / 32));
                levels[j] -= 4;
            }
        }
        for (int n = 0; n < 2; n++) {
            int j = 128 * n;
            for (int l = 0; l < 32; l++) {
                packed[Q3KLayout.QS + 32 * n + l] = (byte) (levels[j + l] | (levels[j + l + 32] << 2)
                        | (levels[j + l + 64] << 4) | (levels[j + l + 96] << 6));
            }
        }
        MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, block, Q3KLayout.D);
        dst.set(Q3KLayout.F16, block + Q3KLayout.D, dHalf);
    }

    /**
     * ggml's {@code make_q3_quants(16, 4, x, L, true)}: levels in [-4, 3] from the scale that maps
     * the largest magnitude to -4, then up to five passes that move single levels where that
     * improves the x²-weighted fit. Stores the biased levels (0-7) in {@link #levels} and returns
     * the least-squares scale.
     */
    private float fitScale(float[] x, int xo, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < SUB; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < SUB; i++) {
                levels[lo + i] = 0;
            }
            return 0f;
        }
        float iscale = -NMAX / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < SUB; i++) {
            float v = x[xo + i];
            int l = Math.max(-NMAX, Math.min(NMAX - 1, NearestInt.of(iscale * v)));
            levels[lo + i] = l;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < SUB; i++) {
                float v = x[xo + i];
                float w = v * v;
                int l = levels[lo + i];
                float slx = sumlx - w * v * l;
                if (slx > 0) {
                    float sl2 = suml2 - w * l * l;
                    int newL = Math.max(-NMAX, Math.min(NMAX - 1, NearestInt.of(v * sl2 / slx)));
                    if (newL != l) {
                        slx += w * v * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            levels[lo + i] = newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        for (int i = 0; i < SUB; i++) {
            levels[lo + i] += NMAX;
        }
        return suml2 > 0 ? sumlx / suml2 : 0f;
    }
}
