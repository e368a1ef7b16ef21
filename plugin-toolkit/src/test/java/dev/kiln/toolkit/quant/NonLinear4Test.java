package dev.kiln.toolkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The IQ4 codebook and nearest-code search against ggml's {@code kvalues_iq4nl} and
 * {@code best_index_int8} (ggml-quants.c); the scale search itself is checked byte for byte by
 * the IQ4_NL and IQ4_XS plugins' conformance tests.
 */
class NonLinear4Test {

    @Test
    void codebookIsGgmlsKvaluesIq4nl() {
        assertArrayEquals(new byte[] {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113},
                NonLinear4.values());
        assertEquals(113, NonLinear4.value(15));
    }

    @Test
    void nearestPicksTheClosestValueAndTheUpperOneOnATie() {
        assertEquals(0, NonLinear4.nearest(-1000f));
        assertEquals(0, NonLinear4.nearest(-115.6f));
        assertEquals(1, NonLinear4.nearest(-115.5f)); // midpoint of -127 and -104
        assertEquals(7, NonLinear4.nearest(-4.6f));
        assertEquals(8, NonLinear4.nearest(-4.5f));   // midpoint of -10 and 1
        assertEquals(8, NonLinear4.nearest(0f));
        assertEquals(14, NonLinear4.nearest(100.9f));
        assertEquals(15, NonLinear4.nearest(101f));   // midpoint of 89 and 113
        assertEquals(15, NonLinear4.nearest(Float.MAX_VALUE / 4));
        for (int i = 0; i < 16; i++) {
            assertEquals(i, NonLinear4.nearest(NonLinear4.value(i)));
        }
    }

    @Test
    void aBlockBelowGgmlsThresholdHasScaleZero() {
        float[] x = new float[40];
        assertEquals(0f, NonLinear4.blockScale(x, 4));
        x[10] = 1e-16f;
        assertEquals(0f, NonLinear4.blockScale(x, 4));
    }

    @Test
    void theScaleMapsTheLargestMagnitudeNearTheEndOfTheCodebook() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j - 16) * 0.01f;
        }
        float d = NonLinear4.blockScale(x, 0);
        // the largest magnitude, -0.16, sits near -127·d: the first guess is d = 0.16/127
        assertEquals(0.16f / 127, d, 0.16f / 127 * 0.2f);
        float[] negated = new float[32];
        for (int j = 0; j < 32; j++) {
            negated[j] = -x[j];
        }
        // every trial scale is taken relative to the largest value, sign included: negating the
        // block leaves each id·x, hence each code, as it was and negates the scale exactly
        assertEquals(-d, NonLinear4.blockScale(negated, 0));
    }
}
