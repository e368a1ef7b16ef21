package dev.kiln.quant.floats;

import dev.kiln.api.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * bfloat16: the top half of an IEEE single, little-endian, 2 bytes per element. Conversion is
 * ggml's {@code GGML_FP32_TO_BF16}: round to nearest even on the dropped 16 bits, a NaN kept
 * a (quiet) NaN, subnormals not flushed.
 */
public final class BF16 extends FloatElementType {
    private static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public GgmlType ggmlType() {
        return GgmlType.BF16;
    }

    @Override
    int width() {
        return 2;
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = toFloat(src.get(LAYOUT, offset + 2L * i));
        }
    }

    @Override
    void encode(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        for (int i = 0; i < count; i++) {
            dst.set(LAYOUT, offset + 2L * i, fromFloat(src[srcOffset + i]));
        }
    }

    @Override
    double dotChecked(MemorySegment weights, long offset, float[] x, int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            // the product of two bf16 values is exact in float
            sum += toFloat(weights.get(LAYOUT, offset + 2L * i)) * x[i];
        }
        return sum;
    }

    @Override
    float round(float v) {
        return toFloat(fromFloat(v));
    }

    static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    static short fromFloat(float v) {
        int u = Float.floatToRawIntBits(v);
        if ((u & 0x7FFFFFFF) > 0x7F800000) {
            // NaN: keep sign and top payload bits, force the quiet bit so it cannot become Inf
            return (short) ((u >>> 16) | 0x40);
        }
        return (short) ((u + (0x7FFF + ((u >>> 16) & 1))) >>> 16);
    }
}
