package dev.kiln.toolkit.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** llama.cpp's {@code set_swa_pattern}: every Nth layer dense, the others sliding. */
class SlidingLayersTest {

    @Test
    void gemma2_slides_on_the_even_layers() {
        assertArrayEquals(new boolean[] {true, false, true, false, true}, SlidingLayers.everyNthDense(5, 2));
    }

    @Test
    void gemma3_has_five_local_layers_to_one_global() {
        boolean[] expected = new boolean[13];
        for (int l = 0; l < expected.length; l++) {
            expected[l] = l != 5 && l != 11;
        }
        assertArrayEquals(expected, SlidingLayers.everyNthDense(13, 6));
    }

    @Test
    void period_one_is_every_layer_dense_and_zero_every_layer_sliding() {
        assertArrayEquals(new boolean[] {false, false, false}, SlidingLayers.everyNthDense(3, 1));
        assertArrayEquals(new boolean[] {true, true, true}, SlidingLayers.everyNthDense(3, 0));
    }
}
