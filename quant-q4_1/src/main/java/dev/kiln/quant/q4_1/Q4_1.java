package dev.kiln.quant.q4_1;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.quant.q4_1.vector.Q4_1VectorKernel;
import dev.kiln.toolkit.quant.BlockExtremes;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.toolkit.quant.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * ggml's Q4_1: blocks of 32 values in 20 bytes, an f16 scale {@code d} and an f16 minimum
 * {@code m}, then 16 bytes of nibbles (value {@code j} in the low nibble of byte {@code j},
 * value {@code j + 16} in the high one); value = {@code q · d + m}.
 */
public final class Q4_1 implements QuantType {
    static final int BLOCK = 32;
    static final int BYTES = 20;
    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final Q4_1Kernel KERNEL = new Q4_1Kernel();
    private static final Optional<DotKernel<?>> VECTOR_KERNEL = VectorKernels.ifAvailable(() -> new Q4_1VectorKernel());

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q4_1;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int blocks = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            float d = Float.float16ToFloat(src.get(F16, at));
            float m = Float.float16ToFloat(src.get(F16, at + 2));
            int out = dstOffset + b * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, at + 4 + j) & 0xFF;
                dst[out + j] = (q & 0x0F) * d + m;
                dst[out + j + BLOCK / 2] = (q >>> 4) * d + m;
            }
        }
    }

    /**
     * As ggml's {@code quantize_row_q4_1_ref}: {@code d = (max - min) / 15}, {@code m = min},
     * {@code q = min(15, trunc((x - min)/d + 0.5))}.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int blocks = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        for (int b = 0; b < blocks; b++) {
            int in = srcOffset + b * BLOCK;
            long at = offset + (long) b * BYTES;
            float min = BlockExtremes.min(src, in, BLOCK);
            float max = BlockExtremes.max(src, in, BLOCK);
            float d = (max - min) / 15;
            float id = d != 0 ? 1 / d : 0;
            dst.set(F16, at, Float.floatToFloat16(d));
            dst.set(F16, at + 2, Float.floatToFloat16(min));
            for (int j = 0; j < BLOCK / 2; j++) {
                int lo = code((src[in + j] - min) * id);
                int hi = code((src[in + j + BLOCK / 2] - min) * id);
                dst.set(ValueLayout.JAVA_BYTE, at + 4 + j, (byte) (lo | hi << 4));
            }
        }
    }

    /** ggml's {@code MIN(15, (int8_t)(v + 0.5f))}. */
    private static int code(float v) {
        return Math.min(15, (byte) (int) (v + 0.5f)) & 0x0F;
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
        return "Q4_1";
    }
}
