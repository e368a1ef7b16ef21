package dev.kiln.toolkit.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BlockExtremesTest {

    @Test
    void signedMaxKeepsTheSignAndTheFirstOfATie() {
        float[] x = {9, 1, -3, 3, -0.5f};
        assertEquals(-3f, BlockExtremes.signedMax(x, 1, 4));
        assertEquals(0f, BlockExtremes.signedMax(new float[4], 0, 4));
        assertEquals(2f, BlockExtremes.signedMax(new float[] {Float.NaN, 2, -1}, 0, 3));
    }

    @Test
    void minAndMaxOfTheRangeOnly() {
        float[] x = {-9, 1, -3, 3, 9};
        assertEquals(-3f, BlockExtremes.min(x, 1, 3));
        assertEquals(3f, BlockExtremes.max(x, 1, 3));
        assertEquals(Float.MAX_VALUE, BlockExtremes.min(new float[] {Float.NaN}, 0, 1));
    }
}
