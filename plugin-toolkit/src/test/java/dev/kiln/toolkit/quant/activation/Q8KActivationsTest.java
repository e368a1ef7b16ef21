package dev.kiln.toolkit.quant.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.api.quant.QuantException;
import org.junit.jupiter.api.Test;

/**
 * Q8_K rounding on hand-made cases that follow ggml's {@code quantize_row_q8_K_ref};
 * {@link DotGoldenRoundingTest} checks it against numpy's golden dot products.
 */
class Q8KActivationsTest {

    @Test
    void roundsAsGgmlQuantizeRowQ8KRef() {
        float[] x = new float[512];
        for (int i = 0; i < 256; i++) {
            x[i] = i % 2 == 0 ? i * 0.5f : -i * 0.25f;
        }
        x[7] = -300f; // the largest magnitude is negative: iscale = -127/max > 0, so it maps to -127
        Q8KActivations q = Q8KActivations.of(x, 0, 512);
        assertEquals(1 / (-127f / -300f), q.scale(0)); // d = 1/iscale, positive here
        assertEquals(-127, q.quant(7));
        assertEquals(0f, q.scale(1)); // an all-zero block
        for (int j = 0; j < 16; j++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) {
                sum += q.quant(16 * j + i);
            }
            assertEquals(sum, q.blockSum(j));
        }
        // round half to even, as nearest_int: iscale*x = 2.5 -> 2
        float[] half = new float[256];
        half[0] = 127f;
        half[1] = 2.5f;
        half[2] = 3.5f;
        Q8KActivations h = Q8KActivations.of(half, 0, 256);
        assertEquals(-127, h.quant(0));
        assertEquals(-2, h.quant(1));
        assertEquals(-4, h.quant(2));
    }

    @Test
    void rejectsPartialBlocksAndBadRanges() {
        assertThrows(QuantException.class, () -> Q8KActivations.of(new float[256], 0, 128));
        assertThrows(QuantException.class, () -> Q8KActivations.of(new float[256], 1, 256));
        assertThrows(QuantException.class, () -> Q8KActivations.of(null, 0, 256));
        assertThrows(QuantException.class, () -> Q8_0Activations.of(new float[32], 0, 16));
        assertThrows(QuantException.class, () -> Q8_0Activations.of(new float[32], -1, 32));
        assertThrows(QuantException.class, () -> Q8_0Activations.of(null, 0, 32));
    }
}
