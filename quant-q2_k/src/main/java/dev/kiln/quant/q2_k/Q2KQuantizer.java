package dev.kiln.quant.q2_k;

import dev.kiln.toolkit.quant.NearestInt;
import dev.kiln.toolkit.quant.kquant.AffineFit;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's reference Q2_K quantizer ({@code quantize_row_q2_K_ref}): each 16 values fitted by
 * {@code make_qkx2_quants(16, 3, …, -0.5, 0.1, 15, true)} (the toolkit's {@link AffineFit}, weights
 * |x|, absolute error), the scales and mins rounded to 4 bits of an f16 {@code d} and {@code dmin},
 * every value requantized against them. Same float arithmetic as ggml, so the bytes match.
 * Holds scratch buffers: one instance per thread.
 */
final class Q2KQuantizer {
    private static final int SUB = 16;
    private static final int NMAX = 3;
    private static final float Q4SCALE = 15f;

    private final AffineFit fit = new AffineFit(SUB, NMAX, -0.5f, 0.1f, 15, true);
    private final int[] levels = new int[Q2KLayout.BLOCK];
    private final float[] weights = new float[SUB];
    private final float[] scales = new float[16];
    private final float[] mins = new float[16];
    private final byte[] packed = new byte[Q2KLayout.BYTES];

    void quantizeBlock(float[] x, int xo, MemorySegment dst, long block) {
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < SUB; l++) {
                weights[l] = Math.abs(x[xo + SUB * j + l]);
            }
            scales[j] = fit.fit(x, xo + SUB * j, weights, levels, SUB * j);
            mins[j] = fit.min();
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }

        short dHalf = 0;
        if (maxScale > 0) {
            float iscale = Q4SCALE / maxScale;
            for (int j = 0; j < 16; j++) {
                packed[Q2KLayout.SCALES + j] = (byte) NearestInt.of(iscale * scales[j]);
            }
            dHalf = Float.floatToFloat16(maxScale / Q4SCALE);
        } else {
            for (int j = 0; j < 16; j++) {
                packed[Q2KLayout.SCALES + j] = 0;
            }
        }
        short dminHalf = 0;
        if (maxMin > 0) {
            float iscale = Q4SCALE / maxMin;
            for (int j = 0; j < 16; j++) {
                packed[Q2KLayout.SCALES + j] |= (byte) (NearestInt.of(iscale * mins[j]) << 4);
            }
            dminHalf = Float.floatToFloat16(maxMin / Q4SCALE);
        }

        // Requantize every value against the rounded (f16, 4-bit) scale and min.
        float dAll = Float.float16ToFloat(dHalf);
        float dminAll = Float.float16ToFloat(dminHalf);
        for (int j = 0; j < 16; j++) {
            int sc = packed[Q2KLayout.SCALES + j] & 0xFF;
            float d = dAll * (sc & 0xF);
            if (d == 0) {
                continue; // ggml keeps the levels from the fit
            }
            float dm = dminAll * (sc >> 4);
            for (int ii = 0; ii < SUB; ii++) {
                int l = NearestInt.of((x[xo + SUB * j + ii] + dm) / d);
                levels[SUB * j + ii] = Math.max(0, Math.min(NMAX, l));
            }
        }

        for (int n = 0; n < 2; n++) {
            int j = 128 * n;
            for (int l = 0; l < 32; l++) {
                packed[Q2KLayout.QS + 32 * n + l] = (byte) (levels[j + l] | (levels[j + l + 32] << 2)
                        | (levels[j + l + 64] << 4) | (levels[j + l + 96] << 6));
            }
        }
        MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, block, Q2KLayout.D);
        dst.set(Q2KLayout.F16, block + Q2KLayout.D, dHalf);
        dst.set(Q2KLayout.F16, block + Q2KLayout.DMIN, dminHalf);
    }
}
