package dev.kiln.quant.floats;

import dev.kiln.api.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** IEEE half precision, little-endian, 2 bytes per element; conversion rounds to nearest even. */
public final class F16 extends FloatElementType {
    private static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public GgmlType ggmlType() {
        return GgmlType.F16;
    }

    @Override
    int width() {
        return 2;
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(src.get(LAYOUT, offset + 2L * i));
        }
    }

    @Override
    void encode(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        for (int i = 0; i < count; i++) {
            dst.set(LAYOUT, offset + 2L * i, Float.floatToFloat16(src[srcOffset + i]));
        }
    }

    @Override
    double dotChecked(MemorySegment weights, long offset, float[] x, int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            // the product of two f16 values is exact in float
            sum += Float.float16ToFloat(weights.get(LAYOUT, offset + 2L * i)) * x[i];
        }
        return sum;
    }

    @Override
    float round(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
