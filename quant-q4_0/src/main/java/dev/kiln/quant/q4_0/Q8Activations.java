package dev.kiln.quant.q4_0;

import dev.kiln.api.quant.BlockRange;
import dev.kiln.api.quant.QuantException;

/**
 * An activation row rounded to Q8_0 blocks, the form ggml's CPU backend multiplies Q4_0
 * weights with. Rounded like ggml-cpu's x86 {@code quantize_row_q8_0} (AVX2 path), not like the
 * reference quantizer: {@code q = rint(x * (127 / amax))} with ties to even, and the scale
 * {@code amax / 127} stored as f16. Matching that rounding is what makes our dot products agree
 * with llama.cpp's on Q4_0 models.
 */
final class Q8Activations {
    static final int QK = 32;

    /** Rounded values, 32 per block. */
    final byte[] qs;
    /** Per-block scale, already rounded to f16. */
    final float[] d;

    private Q8Activations(byte[] qs, float[] d) {
        this.qs = qs;
        this.d = d;
    }

    int count() {
        return qs.length;
    }

    static Q8Activations of(float[] x, int offset, int count) {
        if (x == null) {
            throw new QuantException("Q8_0 activations: array is null");
        }
        int nb = BlockRange.blocks("Q8_0 activations", count, QK);
        BlockRange.checkArray("Q8_0 activations", "activation", x, offset, count);
        byte[] qs = new byte[count];
        float[] d = new float[nb];
        for (int b = 0; b < nb; b++) {
            int base = offset + b * QK;
            float amax = 0f;
            for (int j = 0; j < QK; j++) {
                amax = Math.max(amax, Math.abs(x[base + j]));
            }
            d[b] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            float id = amax != 0f ? 127f / amax : 0f;
            for (int j = 0; j < QK; j++) {
                qs[b * QK + j] = (byte) Math.rint(x[base + j] * id);
            }
        }
        return new Q8Activations(qs, d);
    }
}
