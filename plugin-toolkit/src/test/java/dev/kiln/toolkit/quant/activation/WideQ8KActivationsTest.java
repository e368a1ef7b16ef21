package dev.kiln.toolkit.quant.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class WideQ8KActivationsTest {

    @Test
    void holdsTheSameRoundingAndItsSums() {
        Random rnd = new Random(5);
        float[] x = new float[3 + 768];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        java.util.Arrays.fill(x, 3 + 256, 3 + 512, 0f); // an all-zero block
        Q8KActivations q = Q8KActivations.of(x, 3, 768);
        WideQ8KActivations w = WideQ8KActivations.of(x, 3, 768);
        assertEquals(768, w.count());
        for (int b = 0; b < 3; b++) {
            assertEquals(q.scale(b), w.scales()[b]);
        }
        for (int i = 0; i < 768; i++) {
            assertEquals(q.quant(i), w.quants()[i]);
        }
        for (int g = 0; g < 48; g++) {
            assertEquals(q.blockSum(g), w.sums16()[g]);
        }
        for (int g = 0; g < 24; g++) {
            int s = 0;
            for (int i = 0; i < 32; i++) {
                s += q.quant(32 * g + i);
            }
            assertEquals(s, w.sums32()[g], "sum of 32-group " + g);
        }
        assertEquals(0, w.sums32()[8]);
    }
}
