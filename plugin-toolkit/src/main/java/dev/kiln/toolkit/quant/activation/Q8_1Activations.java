package dev.kiln.toolkit.quant.activation;

import dev.kiln.toolkit.quant.BlockRange;

/**
 * An activation row rounded to Q8_1 blocks, the {@code vec_dot_type} ggml's CPU backend
 * multiplies Q4_1 and Q5_1 weights with: the values and the f16 scale of {@link Q8_0Activations}
 * (ggml-cpu's x86 {@code quantize_row_q8_1} rounds exactly like its {@code quantize_row_q8_0}),
 * plus per block {@code sum = f16(amax/127 · Σ quant)}, which a type with a per-block minimum
 * {@code m} uses for the {@code m · Σ x} term ({@code m · sum}). Note that the sum is scaled by
 * the unrounded {@code amax/127}, not by the f16 {@link #scale}, as ggml does.
 * Immutable once built; safe to read from many threads.
 */
public final class Q8_1Activations extends QuantizedActivations {
    /** Values per block. */
    public static final int BLOCK = Q8_0Activations.BLOCK;

    private final float[] s;

    private Q8_1Activations(byte[] qs, float[] d, float[] s) {
        super(qs, d, BLOCK);
        this.s = s;
    }

    /**
     * Rounds {@code count} activations starting at {@code x[offset]}.
     *
     * @throws dev.kiln.api.quant.QuantException if {@code x} is null, the range is outside it, or
     *         {@code count} is not a whole number of 32-element blocks
     */
    public static Q8_1Activations of(float[] x, int offset, int count) {
        int nb = BlockRange.blocks("Q8_1 activations", count, BLOCK);
        BlockRange.checkArray("Q8_1 activations", "activation", x, offset, count);
        byte[] qs = new byte[count];
        float[] d = new float[nb];
        float[] s = new float[nb];
        for (int b = 0; b < nb; b++) {
            float amax = Q8_0Activations.roundBlock(x, offset + b * BLOCK, qs, b * BLOCK);
            float scale = amax / 127f;
            int sum = 0;
            for (int j = 0; j < BLOCK; j++) {
                sum += qs[b * BLOCK + j];
            }
            d[b] = Float.float16ToFloat(Float.floatToFloat16(scale));
            s[b] = Float.float16ToFloat(Float.floatToFloat16(scale * sum));
        }
        return new Q8_1Activations(qs, d, s);
    }

    /** {@code f16(amax/127 · Σ quant)} of {@code block}, already rounded to f16. */
    public float sum(int block) {
        return s[block];
    }
}
