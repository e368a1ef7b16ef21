package dev.kiln.examples.broken;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantException;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q4_1 (32 values in 20 bytes: f16 scale d, f16 minimum m, 16 bytes of nibbles; value = q·d + m)
 * with a planted bug: {@link #dequantize} reads d from m's bytes and m from d's. The quantizer
 * is right, so "quantize byte-identical" passes while every decoding check fails, which is what
 * {@code kiln check-plugin} must report.
 */
public final class BrokenQ4_1 implements QuantType {
    private static final int BLOCK = 32;
    private static final int BYTES = 20;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q4_1;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        check(src, offset, count);
        if (dstOffset < 0 || dstOffset > dst.length || count > dst.length - dstOffset) {
            throw new QuantException("Q4_1: destination range outside its array");
        }
        for (int b = 0; b < count / BLOCK; b++) {
            long at = offset + (long) b * BYTES;
            float d = Float.float16ToFloat(src.get(F16, at + 2)); // BUG: this is m's offset
            float m = Float.float16ToFloat(src.get(F16, at));     // BUG: this is d's offset
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, at + 4 + j) & 0xFF;
                dst[dstOffset + b * BLOCK + j] = (q & 0x0F) * d + m;
                dst[dstOffset + b * BLOCK + j + 16] = (q >>> 4) * d + m;
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        check(dst, offset, count);
        if (srcOffset < 0 || srcOffset > src.length || count > src.length - srcOffset) {
            throw new QuantException("Q4_1: source range outside its array");
        }
        for (int b = 0; b < count / BLOCK; b++) {
            int in = srcOffset + b * BLOCK;
            long at = offset + (long) b * BYTES;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < BLOCK; j++) {
                min = Math.min(min, src[in + j]);
                max = Math.max(max, src[in + j]);
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(F16, at, Float.floatToFloat16(d));
            dst.set(F16, at + 2, Float.floatToFloat16(min));
            for (int j = 0; j < BLOCK / 2; j++) {
                int x0 = Math.min(15, (int) ((src[in + j] - min) * id + 0.5f));
                int x1 = Math.min(15, (int) ((src[in + j + 16] - min) * id + 0.5f));
                dst.set(ValueLayout.JAVA_BYTE, at + 4 + j, (byte) (x0 | (x1 << 4)));
            }
        }
    }

    @Override
    public DotKernel<?> kernel() {
        return new DotKernel<float[]>() {
            @Override
            public float[] prepare(float[] x, int offset, int count) {
                if (count < 0 || count % BLOCK != 0 || offset < 0 || offset > x.length || count > x.length - offset) {
                    throw new QuantException("Q4_1: bad activation range " + offset + "+" + count);
                }
                return java.util.Arrays.copyOfRange(x, offset, offset + count);
            }

            @Override
            public float dot(MemorySegment weights, long offset, float[] x, int count) {
                if (count < 0 || count > x.length) {
                    throw new QuantException("Q4_1: dot over more elements than prepared");
                }
                float[] w = new float[count];
                dequantize(weights, offset, w, 0, count);
                float sum = 0;
                for (int i = 0; i < count; i++) {
                    sum += w[i] * x[i];
                }
                return sum;
            }
        };
    }

    private static void check(MemorySegment segment, long offset, int count) {
        if (count < 0 || count % BLOCK != 0) {
            throw new QuantException("Q4_1: " + count + " elements is not a whole number of blocks");
        }
        long bytes = (long) (count / BLOCK) * BYTES;
        if (offset < 0 || offset > segment.byteSize() || bytes > segment.byteSize() - offset) {
            throw new QuantException("Q4_1: " + count + " elements at byte " + offset + " outside a segment of "
                    + segment.byteSize() + " bytes");
        }
    }
}
