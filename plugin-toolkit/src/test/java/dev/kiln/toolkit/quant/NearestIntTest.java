package dev.kiln.toolkit.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** ggml's nearest_int on the cases its quantizers meet: ties to even, signs, the ±2^22 range. */
class NearestIntTest {

    @Test
    void roundsHalfToEven() {
        assertEquals(2, NearestInt.of(2.5f));
        assertEquals(4, NearestInt.of(3.5f));
        assertEquals(-2, NearestInt.of(-2.5f));
        assertEquals(-4, NearestInt.of(-3.5f));
        assertEquals(0, NearestInt.of(0.5f));
        assertEquals(0, NearestInt.of(-0.5f));
        assertEquals(1, NearestInt.of(0.50001f));
        assertEquals(-127, NearestInt.of(-127f));
        assertEquals(63, NearestInt.of(62.7f));
    }

    @Test
    void agreesWithRintInsideGgmlsRange() {
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 100_000; i++) {
            float v = (float) ((random.nextDouble() * 2 - 1) * (1 << 21));
            assertEquals((int) Math.rint(v), NearestInt.of(v), "at " + v);
        }
    }

    @Test
    void outOfRangeInputsGiveGgmlsBits() {
        // 1e9 + 1.5·2^23 = 1012582912 = 2^29 · (1 + 7433000·2^-23): ggml's expression gives the low
        // 23 mantissa bits minus 2^22, not 1e9
        assertEquals(7433000 - 4194304, NearestInt.of(1e9f));
    }
}
