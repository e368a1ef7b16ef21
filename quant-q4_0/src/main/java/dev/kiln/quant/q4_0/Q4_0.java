package dev.kiln.quant.q4_0;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * GGML's Q4_0: blocks of 32 values stored as an f16 scale {@code d} followed by 16 bytes of
 * nibbles; byte {@code j} holds element {@code j} in its low nibble and element {@code j + 16}
 * in its high nibble; value = {@code (q - 8) * d}. 18 bytes per block, little-endian.
 */
public final class Q4_0 implements QuantType {
    static final int QK = 32;
    static final int BLOCK_BYTES = 18;
    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final Q4_0Kernel KERNEL = new Q4_0Kernel();

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q4_0;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long p = offset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(src.get(F16, p));
            int o = dstOffset + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, p + 2 + j) & 0xFF;
                dst[o + j] = ((q & 0x0F) - 8) * d;
                dst[o + j + QK / 2] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /**
     * As ggml's {@code quantize_row_q4_0_ref}: {@code d = max / -8} where {@code max} is the value
     * of largest magnitude (sign kept, first one wins), then {@code q = min(15, trunc(x/d + 8.5))}.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int nb = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        for (int b = 0; b < nb; b++) {
            int base = srcOffset + b * QK;
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < QK; j++) {
                float v = src[base + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            long p = offset + (long) b * BLOCK_BYTES;
            dst.set(F16, p, Float.floatToFloat16(d));
            for (int j = 0; j < QK / 2; j++) {
                int lo = nibble(src[base + j] * id);
                int hi = nibble(src[base + QK / 2 + j] * id);
                dst.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) (lo | hi << 4));
            }
        }
    }

    /** {@code MIN(15, (int8_t)(v + 8.5f))}: the float sum truncated toward zero. */
    private static int nibble(float v) {
        return Math.min(15, (int) (v + 8.5f)) & 0x0F;
    }

    @Override
    public DotKernel<?> kernel() {
        return KERNEL;
    }
}
