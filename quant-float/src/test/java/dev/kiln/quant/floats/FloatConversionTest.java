package dev.kiln.quant.floats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Bit-level conversions of F16 and BF16 (IEEE 754 and ggml's GGML_FP32_TO_BF16). */
class FloatConversionTest {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static int stored(FloatElementType t, float v) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(3);
            t.quantize(new float[] {v}, 0, 1, s, 1);
            return s.get(LE16, 1) & 0xFFFF;
        }
    }

    @Test
    void f16RoundsToNearestEven() {
        F16 f16 = new F16();
        assertEquals(0x3C00, stored(f16, 1f));
        assertEquals(0x7BFF, stored(f16, 65504f));
        assertEquals(0x7C00, stored(f16, 65520f), "halfway past the largest half rounds to infinity");
        assertEquals(0x3C00, stored(f16, 1f + 0x1p-11f), "tie goes to the even 1.0");
        assertEquals(0x3C02, stored(f16, 1f + 3 * 0x1p-11f), "tie goes to the even 0x3C02");
        assertEquals(0x0000, stored(f16, 1e-8f));
        assertEquals(0x0001, stored(f16, 0x1p-24f), "smallest subnormal");
        assertEquals(0xC000, stored(f16, -2f));
    }

    @Test
    void bf16IsGgmlsConversion() {
        BF16 bf16 = new BF16();
        assertEquals(0x3F80, stored(bf16, 1f));
        assertEquals(0x3F80, stored(bf16, Float.intBitsToFloat(0x3F808000)), "tie goes to even");
        assertEquals(0x3F82, stored(bf16, Float.intBitsToFloat(0x3F818000)), "tie goes to even");
        assertEquals(0x3F81, stored(bf16, Float.intBitsToFloat(0x3F808001)));
        assertEquals(0x7FC0, stored(bf16, Float.intBitsToFloat(0x7F800001)), "signalling NaN made quiet");
        assertEquals(0xFFC1, stored(bf16, Float.intBitsToFloat(0xFFC1ABCD)), "NaN keeps sign and top payload");
        assertEquals(0x7F80, stored(bf16, Float.POSITIVE_INFINITY));
        assertEquals(0x0001, stored(bf16, Float.intBitsToFloat(0x00010000)), "subnormals are not flushed");
        assertTrue(Float.isNaN(dev.kiln.toolkit.quant.BFloat16.toFloat((short) 0x7FC0)));
        assertEquals(-2f, dev.kiln.toolkit.quant.BFloat16.toFloat((short) 0xC000));
    }

    @Test
    void f16KernelRoundsActivationsToF16LikeGgml() {
        F16 f16 = new F16();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(2);
            f16.quantize(new float[] {1f}, 0, 1, w, 0);
            @SuppressWarnings("unchecked")
            var k = (dev.kiln.api.quant.DotKernel<float[]>) f16.kernel();
            // 1 + 2^-12 is not an f16; ggml converts the activation first, giving exactly 1
            assertEquals(1f, k.dot(w, 0, k.prepare(new float[] {1f + 0x1p-12f}, 0, 1), 1));
        }
    }

    @Test
    void bf16KernelRoundsActivationsToBf16() {
        BF16 bf16 = new BF16();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(2);
            bf16.quantize(new float[] {1f}, 0, 1, w, 0);
            @SuppressWarnings("unchecked")
            var k = (dev.kiln.api.quant.DotKernel<float[]>) bf16.kernel();
            assertEquals(1f, k.dot(w, 0, k.prepare(new float[] {1f + 0x1p-9f}, 0, 1), 1));
        }
    }

    @Test
    void f32KeepsEveryBit() {
        F32 f32 = new F32();
        float[] v = {Float.MIN_VALUE, -0f, Float.MAX_VALUE, Float.intBitsToFloat(0x7FA00001), 1.1f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4L * v.length + 1);
            f32.quantize(v, 0, v.length, s, 1);
            float[] back = new float[v.length];
            f32.dequantize(s, 1, back, 0, v.length);
            for (int i = 0; i < v.length; i++) {
                assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(back[i]), "element " + i);
            }
        }
    }
}
