package dev.kiln.quant.floats;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BFloat16;
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
            dst[dstOffset + i] = BFloat16.toFloat(src.get(LAYOUT, offset + 2L * i));
        }
    }

    @Override
    void encode(float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        for (int i = 0; i < count; i++) {
            dst.set(LAYOUT, offset + 2L * i, BFloat16.fromFloat(src[srcOffset + i]));
        }
    }

    @Override
    double dotChecked(MemorySegment weights, long offset, float[] x, int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            // the product of two bf16 values is exact in float
            sum += BFloat16.toFloat(weights.get(LAYOUT, offset + 2L * i)) * x[i];
        }
        return sum;
    }

    @Override
    float round(float v) {
        return BFloat16.round(v);
    }
}
