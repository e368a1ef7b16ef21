package dev.kiln.toolkit.quant.activation;

import dev.kiln.toolkit.quant.BlockRange;

/**
 * An activation row rounded to Q8_0 blocks (32 int8 values and one scale per block), the
 * {@code vec_dot_type} ggml's CPU backend multiplies Q4_0 and Q8_0 weights with. A
 * {@link dev.kiln.api.quant.DotKernel} for such a type can return this from {@code prepare}.
 *
 * <p>Rounded like ggml-cpu's x86 {@code quantize_row_q8_0} (AVX2 path), not like the reference
 * quantizer: {@code q = rint(x * (127 / amax))}, ties to even, and the scale {@code amax / 127}
 * rounded to f16. Matching that rounding is what makes dot products agree with llama.cpp's.
 * Immutable once built; safe to read from many threads.
 */
public final class Q8_0Activations extends QuantizedActivations {
    /** Values per block. */
    public static final int BLOCK = 32;

    private Q8_0Activations(byte[] qs, float[] d) {
        super(qs, d, BLOCK);
    }

    /**
     * Rounds {@code count} activations starting at {@code x[offset]}.
     *
     * @throws dev.kiln.api.quant.QuantException if {@code x} is null, the range is outside it, or
     *         {@code count} is not a whole number of 32-element blocks
     */
    public static Q8_0Activations of(float[] x, int offset, int count) {
        int nb = BlockRange.blocks("Q8_0 activations", count, BLOCK);
        BlockRange.checkArray("Q8_0 activations", "activation", x, offset, count);
        byte[] qs = new byte[count];
        float[] d = new float[nb];
        for (int b = 0; b < nb; b++) {
            float amax = roundBlock(x, offset + b * BLOCK, qs, b * BLOCK);
            d[b] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
        }
        return new Q8_0Activations(qs, d);
    }

    /**
     * Rounds the 32 values from {@code x[from]} into {@code qs[to ..]} as ggml-cpu's x86
     * {@code quantize_row_q8_0}/{@code _q8_1} do, and returns their largest magnitude.
     */
    static float roundBlock(float[] x, int from, byte[] qs, int to) {
        float amax = 0f;
        for (int j = 0; j < BLOCK; j++) {
            amax = Math.max(amax, Math.abs(x[from + j]));
        }
        float id = amax != 0f ? 127f / amax : 0f;
        for (int j = 0; j < BLOCK; j++) {
            qs[to + j] = (byte) Math.rint(x[from + j] * id);
        }
        return amax;
    }

}
