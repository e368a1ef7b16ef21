package dev.kiln.quant.q4_k;

import dev.kiln.toolkit.quant.NearestInt;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's reference Q4_K quantizer ({@code quantize_row_q4_K_ref} with {@code make_qkx2_quants}),
 * reproduced in float arithmetic in the same order of operations so that the bytes match ggml's.
 * Holds scratch buffers: one instance per thread.
 */
final class Q4KQuantizer {
    private static final int SUB = 32;
    private static final int NMAX = 15;

    private final int[] levels = new int[Q4KLayout.BLOCK];
    private final int[] trial = new int[SUB];
    private final float[] weights = new float[SUB];
    private final float[] scales = new float[8];
    private final float[] mins = new float[8];
    private final byte[] packed = new byte[12];

    void quantizeBlock(float[] x, int xo, MemorySegment dst, long block) {
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int so = xo + SUB * j;
            float sumX2 = 0;
            for (int l = 0; l < SUB; l++) {
                sumX2 += x[so + l] * x[so + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < SUB; l++) {
                weights[l] = avX + Math.abs(x[so + l]);
            }
            scales[j] = fitScaleAndMin(x, so, j);
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }

        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        for (int j = 0; j < 8; j++) {
            // uint8_t in ggml: the int is truncated to a byte before the clamp to 63
            int ls = Math.min(63, NearestInt.of(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, NearestInt.of(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                packed[j] = (byte) ls;
                packed[j + 4] = (byte) lm;
            } else {
                packed[j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                packed[j - 4] |= (byte) ((ls >> 4) << 6);
                packed[j] |= (byte) ((lm >> 4) << 6);
            }
        }
        short dHalf = Float.floatToFloat16(maxScale / 63f);
        short dminHalf = Float.floatToFloat16(maxMin / 63f);
        dst.set(Q4KLayout.F16, block + Q4KLayout.D, dHalf);
        dst.set(Q4KLayout.F16, block + Q4KLayout.DMIN, dminHalf);
        MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, block + Q4KLayout.SCALES, 12);

        // Requantize every value against the rounded (f16, 6-bit) scale and min.
        float dAll = Float.float16ToFloat(dHalf);
        float dminAll = Float.float16ToFloat(dminHalf);
        for (int j = 0; j < 8; j++) {
            int sc;
            int m;
            if (j < 4) {
                sc = packed[j] & 63;
                m = packed[j + 4] & 63;
            } else {
                sc = (packed[j + 4] & 0xF) | (((packed[j - 4] & 0xFF) >> 6) << 4);
                m = ((packed[j + 4] & 0xFF) >> 4) | (((packed[j] & 0xFF) >> 6) << 4);
            }
            float d = dAll * sc;
            if (d == 0) {
                continue; // ggml keeps the levels from the fit
            }
            float dm = dminAll * m;
            for (int ii = 0; ii < SUB; ii++) {
                int l = NearestInt.of((x[xo + SUB * j + ii] + dm) / d);
                levels[SUB * j + ii] = Math.max(0, Math.min(NMAX, l));
            }
        }

        long q = block + Q4KLayout.QS;
        for (int j = 0; j < Q4KLayout.BLOCK; j += 64) {
            for (int l = 0; l < 32; l++) {
                dst.set(ValueLayout.JAVA_BYTE, q + l, (byte) (levels[j + l] | (levels[j + l + 32] << 4)));
            }
            q += 32;
        }
    }

    /**
     * ggml's {@code make_qkx2_quants(32, 15, x, weights, L, &min, Laux, -1, 0.1, 20, false)}:
     * fits levels, a scale and a (non-positive) offset for one sub-block by a weighted least-squares
     * search over 21 candidate inverse scales. Stores the levels in {@link #levels}, the negated
     * offset in {@code mins[j]}, and returns the scale.
     */
    private float fitScaleAndMin(float[] x, int xo, int j) {
        final float rmin = -1f;
        final float rdelta = 0.1f;
        final int nstep = 20;
        int lo = SUB * j;
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < SUB; i++) {
            float v = x[xo + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < SUB; i++) {
                levels[lo + i] = 0;
            }
            mins[j] = -min;
            return 0f;
        }
        float iscale = NMAX / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < SUB; i++) {
            int l = Math.max(0, Math.min(NMAX, NearestInt.of(iscale * (x[xo + i] - min))));
            levels[lo + i] = l;
            float diff = scale * l + min - x[xo + i];
            diff = diff * diff;
            bestError += weights[i] * diff;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + NMAX) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < SUB; i++) {
                int l = Math.max(0, Math.min(NMAX, NearestInt.of(iscale * (x[xo + i] - min))));
                trial[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < SUB; i++) {
                    float diff = thisScale * trial[i] + thisMin - x[xo + i];
                    diff = diff * diff;
                    error += weights[i] * diff;
                }
                if (error < bestError) {
                    System.arraycopy(trial, 0, levels, lo, SUB);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[j] = -min;
        return scale;
    }
}
