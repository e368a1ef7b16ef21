package dev.kiln.toolkit.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** ggml's GGML_FP32_TO_BF16 bit for bit: ties to even, NaN kept quiet, subnormals kept. */
class BFloat16Test {

    private static int bits(float v) {
        return BFloat16.fromFloat(v) & 0xFFFF;
    }

    @Test
    void convertsAsGgml() {
        assertEquals(0x3F80, bits(1f));
        assertEquals(0x3F80, bits(Float.intBitsToFloat(0x3F808000)), "tie goes to even");
        assertEquals(0x3F82, bits(Float.intBitsToFloat(0x3F818000)), "tie goes to even");
        assertEquals(0x3F81, bits(Float.intBitsToFloat(0x3F808001)));
        assertEquals(0x7FC0, bits(Float.intBitsToFloat(0x7F800001)), "signalling NaN made quiet");
        assertEquals(0xFFC1, bits(Float.intBitsToFloat(0xFFC1ABCD)), "NaN keeps sign and top payload");
        assertEquals(0x7F80, bits(Float.POSITIVE_INFINITY));
        assertEquals(0x7F80, bits(Float.intBitsToFloat(0x7F7FFFFF)), "the largest float rounds to infinity");
        assertEquals(0x0001, bits(Float.intBitsToFloat(0x00010000)), "subnormals are not flushed");
        assertEquals(-2f, BFloat16.toFloat((short) 0xC000));
        assertTrue(Float.isNaN(BFloat16.toFloat((short) 0x7FC0)));
    }

    @Test
    void roundTripsThroughTheTopHalf() {
        assertEquals(1f, BFloat16.round(1f + 0x1p-9f), "1 + 2^-9 is not a bfloat16; the tie goes to 1");
        assertEquals(1f + 0x1p-7f, BFloat16.round(1f + 0x1p-7f));
        assertTrue(Float.isNaN(BFloat16.round(Float.NaN)));
    }
}
