package dev.kiln.toolkit.quant.activation;

/**
 * An activation row rounded to int8 blocks with one scale each, the {@code vec_dot_type} forms
 * ggml's CPU backend multiplies quantized weights with: activation {@code i} stands for
 * {@code quant(i) · scale(i / blockSize())}. Immutable; safe to read from many threads.
 */
public sealed interface QuantizedActivations permits Q8_0Activations, Q8_1Activations, Q8KActivations {

    /** Values per block. */
    int blockSize();

    /** Number of activations. */
    int count();

    /** Number of blocks. */
    default int blockCount() {
        return count() / blockSize();
    }

    /** The scale of {@code block}. */
    float scale(int block);

    /** The rounded value of activation {@code index}. */
    byte quant(int index);

    /** The values the activations were rounded to, {@code quant(i) · scale(i / blockSize())}, as floats. */
    default float[] toFloats() {
        float[] out = new float[count()];
        int bs = blockSize();
        for (int i = 0; i < out.length; i++) {
            out[i] = quant(i) * scale(i / bs);
        }
        return out;
    }
}
