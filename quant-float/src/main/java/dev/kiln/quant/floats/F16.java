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
    float read(MemorySegment src, long offset, int i) {
        return Float.float16ToFloat(src.get(LAYOUT, offset + 2L * i));
    }

    @Override
    void write(MemorySegment dst, long offset, int i, float v) {
        dst.set(LAYOUT, offset + 2L * i, Float.floatToFloat16(v));
    }

    @Override
    float round(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
