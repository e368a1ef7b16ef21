package dev.kiln.quant.q6_k;

import dev.kiln.toolkit.quant.NearestInt;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's reference Q6_K quantizer ({@code quantize_row_q6_K_ref} with
 * {@code make_qx_quants(16, 32, x, L, 1, NULL)}), reproduced in float arithmetic in the same order
 * of operations so that the bytes match ggml's. Holds scratch buffers: one instance per thread.
 */
final class Q6KQuantizer {
    private static final int SUB = 16;
    private static final int NMAX = 32;
    private static final float GROUP_MAX_EPS = 1e-15f;

    /** Levels biased by 32 (0-63), as ggml keeps them in {@code L}. */
    private final int[] levels = new int[Q6KLayout.BLOCK];
    private final float[] scales = new float[16];
    private final byte[] packed = new byte[Q6KLayout.BYTES];

    void quantizeBlock(float[] x, int xo, MemorySegment dst, long block) {
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = fitScale(x, xo + SUB * ib, SUB * ib);
            scales[ib] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        java.util.Arrays.fill(packed, (byte) 0);
        if (maxAbsScale < GROUP_MAX_EPS) {
            MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, block, Q6KLayout.BYTES);
            return;
        }

        float iscale = -128f / maxScale;
        short dHalf = Float.floatToFloat16(1 / iscale);
        for (int ib = 0; ib < 16; ib++) {
            packed[Q6KLayout.SCALES + ib] = (byte) Math.min(127, NearestInt.of(iscale * scales[ib]));
        }
        float dAll = Float.float16ToFloat(dHalf);
        for (int j = 0; j < 16; j++) {
            float d = dAll * packed[Q6KLayout.SCALES + j];
            if (d == 0) {
                continue; // ggml keeps the levels from the fit
            }
            for (int ii = 0; ii < SUB; ii++) {
                int l = NearestInt.of(x[xo + SUB * j + ii] / d);
                levels[SUB * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }

        for (int j = 0; j < Q6KLayout.BLOCK; j += 128) {
            int ql = Q6KLayout.QL + j / 2;
            int qh = Q6KLayout.QH + j / 4;
            for (int l = 0; l < 32; l++) {
                int q1 = levels[j + l];
                int q2 = levels[j + l + 32];
                int q3 = levels[j + l + 64];
                int q4 = levels[j + l + 96];
                packed[ql + l] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                packed[ql + l + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                packed[qh + l] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
        MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, block, Q6KLayout.D);
        dst.set(Q6KLayout.F16, block + Q6KLayout.D, dHalf);
    }

    /**
     * ggml's {@code make_qx_quants} with {@code rmse_type} 1 and no importance weights: levels in
     * [-32, 31] for one 16-value group, weighted by x², choosing among 19 inverse scales
     * (nmax + 0.1·k for k in -9..9) the one with the best weighted least-squares fit. Stores
     * the biased levels in {@link #levels} and returns the scale (negative when the largest
     * magnitude is positive, as in ggml).
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
            levels[lo + i] = l + NMAX;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(NMAX + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < SUB; i++) {
                float v = x[xo + i];
                int l = Math.max(-NMAX, Math.min(NMAX - 1, NearestInt.of(iscale * v)));
                float w = v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < SUB; i++) {
                    int l = NearestInt.of(iscale * x[xo + i]);
                    levels[lo + i] = NMAX + Math.max(-NMAX, Math.min(NMAX - 1, l));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }
}
