package dev.kiln.quant.floats;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.QuantException;
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
    float read(MemorySegment src, long offset, int i) {
        return src.get(LAYOUT, offset + 4L * i);
    }

    @Override
    void write(MemorySegment dst, long offset, int i, float v) {
        dst.set(LAYOUT, offset + 4L * i, v);
    }

    @Override
    float round(float v) {
        return v;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        checkCount(count);
        BlockRanges.inSegment(name(), src, offset, 4L * count);
        if (dst == null) {
            throw new QuantException(name() + ": destination array is null");
        }
        BlockRanges.inArray(name(), "destination", dst.length, dstOffset, count);
        MemorySegment.copy(src, LAYOUT, offset, dst, dstOffset, count);
    }
}
