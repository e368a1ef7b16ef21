package dev.kiln.toolkit.quant.kquant;

import dev.kiln.toolkit.quant.NearestInt;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * What ggml's reference quantizers for Q4_K and Q5_K ({@code quantize_row_q4_K_ref},
 * {@code quantize_row_q5_K_ref}) share: a 256-value super-block in eight sub-blocks of 32, each
 * fitted with {@link AffineFit} under weights {@code √(Σx²/32) + |x|}, the scales and mins rounded
 * to 6 bits of an f16 {@code d} and {@code dmin} ({@link PackedScaleMins}), and every value
 * requantized against the rounded scale and min to a level in {@code [0, nmax]}. The caller packs
 * the levels (nibbles for Q4_K, nibbles and a fifth bit for Q5_K).
 *
 * <p>Both types begin with the same 16 bytes: f16 {@code d} at 0, f16 {@code dmin} at 2, the
 * packed scales and mins at 4. Holds scratch buffers: one instance per thread.
 */
public final class ScaleMinQuantizer {
    /** Values per super-block. */
    public static final int BLOCK = 256;
    /** Bytes of the header this class writes: d, dmin, packed scales and mins. */
    public static final int HEADER_BYTES = 4 + PackedScaleMins.BYTES;

    private static final int SUB = 32;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int nmax;
    private final AffineFit fit;
    private final int[] levels = new int[BLOCK];
    private final float[] weights = new float[SUB];
    private final float[] scales = new float[8];
    private final float[] mins = new float[8];
    private final byte[] packed = new byte[PackedScaleMins.BYTES];

    /**
     * @param nmax the largest level (15 for Q4_K, 31 for Q5_K)
     * @param rmin {@link AffineFit}'s first candidate offset (-1 for Q4_K, -0.5 for Q5_K)
     * @param rdelta its step (0.1)
     * @param nstep its steps (20 for Q4_K, 15 for Q5_K)
     */
    public ScaleMinQuantizer(int nmax, float rmin, float rdelta, int nstep) {
        this.nmax = nmax;
        this.fit = new AffineFit(SUB, nmax, rmin, rdelta, nstep, false);
    }

    /**
     * Quantizes {@code x[xo .. xo + 256)}: writes the header at byte {@code block} of {@code dst}
     * and returns the 256 levels (this instance's buffer, valid until the next call).
     */
    public int[] quantize(float[] x, int xo, MemorySegment dst, long block) {
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
            scales[j] = fit.fit(x, so, weights, levels, SUB * j);
            mins[j] = fit.min();
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }

        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        java.util.Arrays.fill(packed, (byte) 0);
        for (int j = 0; j < 8; j++) {
            // uint8_t in ggml: the int is truncated to a byte before the clamp to 63
            int ls = Math.min(63, NearestInt.of(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, NearestInt.of(invMin * mins[j]) & 0xFF);
            PackedScaleMins.pack(j, ls, lm, packed);
        }
        short dHalf = Float.floatToFloat16(maxScale / 63f);
        short dminHalf = Float.floatToFloat16(maxMin / 63f);
        dst.set(F16, block, dHalf);
        dst.set(F16, block + 2, dminHalf);
        MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, block + 4, PackedScaleMins.BYTES);

        // Requantize every value against the rounded (f16, 6-bit) scale and min.
        float dAll = Float.float16ToFloat(dHalf);
        float dminAll = Float.float16ToFloat(dminHalf);
        for (int j = 0; j < 8; j++) {
            float d = dAll * PackedScaleMins.scale(packed, j);
            if (d == 0) {
                continue; // ggml keeps the levels from the fit
            }
            float dm = dminAll * PackedScaleMins.min(packed, j);
            for (int ii = 0; ii < SUB; ii++) {
                int l = NearestInt.of((x[xo + SUB * j + ii] + dm) / d);
                levels[SUB * j + ii] = Math.max(0, Math.min(nmax, l));
            }
        }
        return levels;
    }
}
