package dev.kiln.quant.q8_0;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * GGML's Q8_0: blocks of 32 values stored as an f16 scale {@code d} followed by 32 signed bytes
 * {@code q}; value = {@code q * d}. 34 bytes per block, little-endian.
 */
public final class Q8_0 implements QuantType {
    static final int QK = 32;
    static final int BLOCK_BYTES = 34;
    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final Q8_0Kernel KERNEL = new Q8_0Kernel();

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = BlockRange.forDequantize(this, src, offset, dst, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long p = offset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(src.get(F16, p));
            int o = dstOffset + b * QK;
            for (int j = 0; j < QK; j++) {
                dst[o + j] = src.get(ValueLayout.JAVA_BYTE, p + 2 + j) * d;
            }
        }
    }

    /** As ggml's {@code quantize_row_q8_0_ref}: {@code d = amax/127}, {@code q = roundf(x/d)} (ties away from zero). */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int nb = BlockRange.forQuantize(this, src, srcOffset, count, dst, offset);
        for (int b = 0; b < nb; b++) {
            int base = srcOffset + b * QK;
            float amax = 0f;
            for (int j = 0; j < QK; j++) {
                amax = Math.max(amax, Math.abs(src[base + j]));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            long p = offset + (long) b * BLOCK_BYTES;
            dst.set(F16, p, Float.floatToFloat16(d));
            for (int j = 0; j < QK; j++) {
                dst.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) roundHalfAwayFromZero(src[base + j] * id));
            }
        }
    }

    /** C's {@code roundf}; the sum is taken in double so that 0.49999997f does not round up. */
    static int roundHalfAwayFromZero(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }

    @Override
    public DotKernel<?> kernel() {
        return KERNEL;
    }
}
