package dev.kiln.quant.iq4_nl;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.quant.iq4_nl.vector.IQ4NLVectorKernel;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.toolkit.quant.VectorKernels;
import dev.kiln.toolkit.quant.NonLinear4;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * ggml's IQ4_NL: blocks of 32 values in 18 bytes, an f16 scale {@code d} then 16 bytes of codes
 * (value {@code j} in the low nibble of byte {@code j}, value {@code j + 16} in its high nibble),
 * each value {@code d · kvalues_iq4nl[code]}: a non-linear 4-bit codebook
 * ({@link NonLinear4}), denser near zero where most weights are.
 */
public final class IQ4NL implements QuantType {
    static final int BLOCK = 32;
    static final int BYTES = 18;
    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final IQ4NLKernel KERNEL = new IQ4NLKernel();
    private static final Optional<DotKernel<?>> VECTOR_KERNEL = VectorKernels.ifAvailable(() -> new IQ4NLVectorKernel());

    @Override
    public GgmlType ggmlType() {
        return GgmlType.IQ4_NL;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int blocks = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            float d = Float.float16ToFloat(src.get(F16, at));
            int out = dstOffset + b * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, at + 2 + j) & 0xFF;
                dst[out + j] = d * NonLinear4.value(q & 0x0F);
                dst[out + j + BLOCK / 2] = d * NonLinear4.value(q >>> 4);
            }
        }
    }

    /**
     * As {@code ggml_quantize_chunk} quantizes IQ4_NL ({@code quantize_iq4_nl}, no importance
     * matrix): the block scale from ggml's weighted search, stored as f16, then each value's
     * nearest code at the unrounded scale.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int blocks = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        for (int b = 0; b < blocks; b++) {
            int in = srcOffset + b * BLOCK;
            long at = offset + (long) b * BYTES;
            float d = NonLinear4.blockScale(src, in);
            dst.set(F16, at, Float.floatToFloat16(d));
            float id = d != 0 ? 1 / d : 0;
            for (int j = 0; j < BLOCK / 2; j++) {
                int lo = NonLinear4.nearest(id * src[in + j]);
                int hi = NonLinear4.nearest(id * src[in + j + BLOCK / 2]);
                dst.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (lo | hi << 4));
            }
        }
    }

    @Override
    public DotKernel<?> kernel() {
        return KERNEL;
    }

    /**
     * The Vector API kernel (package {@code vector}, the only code here that uses
     * {@code jdk.incubator.vector}; created through a lambda, so a JVM without that module can
     * still load this class).
     */
    @Override
    public Optional<DotKernel<?>> vectorKernel() {
        return VECTOR_KERNEL;
    }

    @Override
    public String toString() {
        return "IQ4_NL";
    }
}
