package dev.kiln.examples.q5_0;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Q5_0: blocks of 32 values in 22 bytes, as ggml's {@code block_q5_0}: an f16 scale {@code d},
 * 4 bytes {@code qh} holding the fifth bit of each value (bit j for value j), then 16 bytes
 * {@code qs} of low nibbles (value j in the low nibble of byte j, value j + 16 in the high one).
 * Value = (5-bit code - 16) · d.
 */
public final class Q5_0 implements QuantType {
    static final int BLOCK = 32;
    static final int BYTES = 22;
    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Q5_0Kernel kernel = new Q5_0Kernel();

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q5_0;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        for (int b = 0; b < count / BLOCK; b++) {
            decodeBlock(src, offset + (long) b * BYTES, dst, dstOffset + b * BLOCK);
        }
    }

    /** Decodes the block at {@code at} into {@code dst[out .. out + 32)}. */
    static void decodeBlock(MemorySegment src, long at, float[] dst, int out) {
        float d = Float.float16ToFloat(src.get(F16, at));
        int qh = src.get(U32, at + 2);
        for (int j = 0; j < BLOCK / 2; j++) {
            int q = src.get(ValueLayout.JAVA_BYTE, at + 6 + j) & 0xFF;
            int low = (q & 0x0F) | (((qh >>> j) & 1) << 4);
            int high = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            dst[out + j] = (low - 16) * d;
            dst[out + j + 16] = (high - 16) * d;
        }
    }

    /**
     * ggml's {@code quantize_row_q5_0_ref}: d = (the value of largest magnitude) / -16, codes
     * {@code min(31, trunc(x/d + 16.5))}.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        for (int b = 0; b < count / BLOCK; b++) {
            int in = srcOffset + b * BLOCK;
            long at = offset + (long) b * BYTES;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[in + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(F16, at, Float.floatToFloat16(d));
            int qh = 0;
            for (int j = 0; j < BLOCK / 2; j++) {
                int x0 = Math.min(31, (int) (src[in + j] * id + 16.5f));
                int x1 = Math.min(31, (int) (src[in + j + 16] * id + 16.5f));
                dst.set(ValueLayout.JAVA_BYTE, at + 6 + j, (byte) ((x0 & 0x0F) | ((x1 & 0x0F) << 4)));
                qh |= ((x0 & 0x10) >>> 4) << j;
                qh |= ((x1 & 0x10) >>> 4) << (j + 16);
            }
            dst.set(U32, at + 2, qh);
        }
    }

    @Override
    public DotKernel<?> kernel() {
        return kernel;
    }

    /**
     * The plugin's own Vector API kernel (package {@code vector}, the only place that touches
     * {@code jdk.incubator.vector}), or empty if that module cannot be used in this JVM.
     */
    @Override
    public Optional<DotKernel<?>> vectorKernel() {
        try {
            return Optional.of(VectorKernelHolder.KERNEL);
        } catch (LinkageError e) {
            return Optional.empty();
        }
    }

    /** Created on first use, so a JVM without the Vector API never loads the kernel class. */
    private static final class VectorKernelHolder {
        static final DotKernel<?> KERNEL = new dev.kiln.examples.q5_0.vector.Q5_0VectorKernel();
    }

    @Override
    public String toString() {
        return "Q5_0 (example plugin)";
    }
}
