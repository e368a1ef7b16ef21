package dev.kiln.quant.q5_1;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.quant.q5_1.vector.Q5_1VectorKernel;
import dev.kiln.toolkit.quant.BlockExtremes;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.toolkit.quant.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * ggml's Q5_1: blocks of 32 values in 24 bytes, an f16 scale {@code d}, an f16 minimum
 * {@code m}, 4 bytes {@code qh} holding each value's fifth bit (bit {@code j} for value
 * {@code j}), then 16 bytes of low nibbles (value {@code j} in the low nibble of byte {@code j},
 * value {@code j + 16} in the high one); value = {@code q · d + m}.
 */
public final class Q5_1 implements QuantType {
    static final int BLOCK = 32;
    static final int BYTES = 24;
    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final Q5_1Kernel KERNEL = new Q5_1Kernel();
    private static final Optional<DotKernel<?>> VECTOR_KERNEL = VectorKernels.ifAvailable(() -> new Q5_1VectorKernel());

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q5_1;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int blocks = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            float d = Float.float16ToFloat(src.get(F16, at));
            float m = Float.float16ToFloat(src.get(F16, at + 2));
            int qh = src.get(U32, at + 4);
            int out = dstOffset + b * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, at + 8 + j) & 0xFF;
                int lo = (q & 0x0F) | ((qh >>> j) & 1) << 4;
                int hi = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                dst[out + j] = lo * d + m;
                dst[out + j + BLOCK / 2] = hi * d + m;
            }
        }
    }

    /**
     * As ggml's {@code quantize_row_q5_1_ref}: {@code d = (max - min) / 31}, {@code m = min},
     * {@code q = trunc((x - min)/d + 0.5)}.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int blocks = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        for (int b = 0; b < blocks; b++) {
            int in = srcOffset + b * BLOCK;
            long at = offset + (long) b * BYTES;
            float min = BlockExtremes.min(src, in, BLOCK);
            float max = BlockExtremes.max(src, in, BLOCK);
            float d = (max - min) / 31;
            float id = d != 0 ? 1 / d : 0;
            dst.set(F16, at, Float.floatToFloat16(d));
            dst.set(F16, at + 2, Float.floatToFloat16(min));
            int qh = 0;
            for (int j = 0; j < BLOCK / 2; j++) {
                // ggml's (uint8_t)(v + 0.5f): no clamp, (x - min)/d stays within 0..31
                int lo = (int) ((src[in + j] - min) * id + 0.5f);
                int hi = (int) ((src[in + j + BLOCK / 2] - min) * id + 0.5f);
                dst.set(ValueLayout.JAVA_BYTE, at + 8 + j, (byte) ((lo & 0x0F) | (hi & 0x0F) << 4));
                qh |= ((lo >>> 4) & 1) << j;
                qh |= ((hi >>> 4) & 1) << (j + 16);
            }
            dst.set(U32, at + 4, qh);
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
        return "Q5_1";
    }
}
