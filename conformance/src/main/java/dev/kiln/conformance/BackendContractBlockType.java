package dev.kiln.conformance;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A kit-only block type with Q8_0's geometry (32 values in 34 bytes): two unused header bytes,
 * then 32 int8 values worth {@code q / 16}. Exact to dequantize, so it checks that a backend
 * walks blocks, row strides and segment offsets correctly without depending on any plugin.
 */
final class BackendContractBlockType implements QuantType {
    static final float STEP = 1f / 16;

    @Override
    public GgmlType ggmlType() {
        return GgmlType.Q8_0;
    }

    @Override
    public String name() {
        return "kit-int8-blocks";
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = src.get(ValueLayout.JAVA_BYTE, position(offset, i)) * STEP;
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        for (int i = 0; i < count; i++) {
            if (i % 32 == 0) {
                dst.set(ValueLayout.JAVA_BYTE, offset + i / 32 * 34L, (byte) 0x5a);
                dst.set(ValueLayout.JAVA_BYTE, offset + i / 32 * 34L + 1, (byte) 0xa5);
            }
            long q = Math.max(-128, Math.min(127, Math.round(src[srcOffset + i] / STEP)));
            dst.set(ValueLayout.JAVA_BYTE, position(offset, i), (byte) q);
        }
    }

    private static long position(long offset, int i) {
        return offset + i / 32 * 34L + 2 + i % 32;
    }

    @Override
    public DotKernel<?> kernel() {
        return new DotKernel<float[]>() {
            @Override
            public float[] prepare(float[] x, int offset, int count) {
                float[] copy = new float[count];
                System.arraycopy(x, offset, copy, 0, count);
                return copy;
            }

            @Override
            public float dot(MemorySegment weights, long offset, float[] x, int count) {
                double sum = 0;
                for (int i = 0; i < count; i++) {
                    sum += weights.get(ValueLayout.JAVA_BYTE, position(offset, i)) * STEP * (double) x[i];
                }
                return (float) sum;
            }
        };
    }
}
