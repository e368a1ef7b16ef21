package dev.kiln.conformance;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A minimal little-endian F32 type carried by the kit, so the backend contract can test matrix
 * products without any quant plugin on the path.
 */
final class BackendContractF32Type implements QuantType {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public GgmlType ggmlType() {
        return GgmlType.F32;
    }

    @Override
    public String name() {
        return "kit-F32";
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = src.get(FLOAT, offset + 4L * i);
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        for (int i = 0; i < count; i++) {
            dst.set(FLOAT, offset + 4L * i, src[srcOffset + i]);
        }
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
                    sum += (double) weights.get(FLOAT, offset + 4L * i) * x[i];
                }
                return (float) sum;
            }
        };
    }
}
