package dev.kiln.quant.floats;

import dev.kiln.api.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** IEEE single precision, little-endian, 4 bytes per element. */
public final class F32 extends FloatElementType {
    private static final ValueLayout.OfFloat LAYOUT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public GgmlType ggmlType() {
        return GgmlType.F32;
    }

    @Override
    int width() {
        return 4;
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        MemorySegment.copy(src, LAYOUT, offset, dst, dstOffset, count);
    }

    @Override
    void encode(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        MemorySegment.copy(src, srcOffset, dst, LAYOUT, offset, count);
    }

    @Override
    double dotChecked(MemorySegment weights, long offset, float[] x, int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += (double) weights.get(LAYOUT, offset + 4L * i) * x[i];
        }
        return sum;
    }

    @Override
    float round(float v) {
        return v;
    }
}
