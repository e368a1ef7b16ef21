package dev.kiln.quant.floats;

import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;

/**
 * What F32, F16 and BF16 share: one element per "block", argument checks, and a dot kernel that
 * rounds the activations to the weight type first (ggml-cpu's {@code vec_dot_type} for F16 is
 * F16 and for BF16 is BF16) and then sums exact products in double.
 */
abstract sealed class FloatElementType implements QuantType permits F32, F16, BF16 {
    private final DotKernel<float[]> kernel = new FloatKernel(this);

    /** Bytes per element. */
    abstract int width();

    /** Decodes {@code count} elements at {@code offset} (range already checked). */
    abstract void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count);

    /** Encodes {@code count} values at {@code offset} (range already checked). */
    abstract void encode(float[] src, int srcOffset, int count, MemorySegment dst, long offset);

    /**
     * Σ w[i]·x[i] in double over {@code count} elements at {@code offset} (range already checked).
     * Each type has its own loop so that the per-element read is never a megamorphic call.
     */
    abstract double dotChecked(MemorySegment weights, long offset, float[] x, int count);

    /** {@code v} rounded to this type and back: what encoding then decoding gives. */
    abstract float round(float v);

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        decode(src, offset, dst, dstOffset, count);
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        encode(src, srcOffset, count, dst, offset);
    }

    @Override
    public DotKernel<?> kernel() {
        return kernel;
    }
}
