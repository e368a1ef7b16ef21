package dev.kiln.toolkit.quant.activation;

/**
 * An activation row rounded to int8 blocks with one scale each, the {@code vec_dot_type} forms
 * ggml's CPU backend multiplies quantized weights with: activation {@code i} stands for
 * {@code quant(i) · scale(i / blockSize())}. Immutable once built; safe to read from many threads.
 */
public abstract sealed class QuantizedActivations permits Q8_0Activations, Q8_1Activations, Q8KActivations {
    final byte[] qs;
    final float[] d;
    private final int blockSize;

    QuantizedActivations(byte[] qs, float[] d, int blockSize) {
        this.qs = qs;
        this.d = d;
        this.blockSize = blockSize;
    }

    /** Values per block. */
    public final int blockSize() {
        return blockSize;
    }

    /** Number of activations. */
    public final int count() {
        return qs.length;
    }

    /** Number of blocks. */
    public final int blockCount() {
        return d.length;
    }

    /** The scale of {@code block}. */
    public final float scale(int block) {
        return d[block];
    }

    /** The rounded value of activation {@code index}. */
    public final byte quant(int index) {
        return qs[index];
    }

    /** The values the activations were rounded to, {@code quant(i) · scale(i / blockSize())}, as floats. */
    public final float[] toFloats() {
        float[] out = new float[qs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = qs[i] * d[i / blockSize];
        }
        return out;
    }
}
