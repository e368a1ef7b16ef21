package dev.kiln.toolkit.quant.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The widened form holds exactly the values, scales and (Q8_1) sums it was made from. */
class WidenedActivationsTest {

    private static float[] gaussian(int n) {
        Random r = new Random(3);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void keepsEveryValueScaleAndSum() {
        float[] x = gaussian(512);
        for (QuantizedActivations a : new QuantizedActivations[] {
                Q8_0Activations.of(x, 0, 512), Q8_1Activations.of(x, 0, 512), Q8KActivations.of(x, 0, 512)}) {
            WidenedActivations w = WidenedActivations.of(a);
            assertEquals(a.count(), w.count());
            assertEquals(a.blockSize(), w.blockSize());
            for (int i = 0; i < a.count(); i++) {
                assertEquals(a.quant(i), w.quants()[i]);
            }
            for (int b = 0; b < a.blockCount(); b++) {
                assertEquals(a.scale(b), w.scales()[b]);
                if (a instanceof Q8_1Activations q81) {
                    assertEquals(q81.sum(b), w.sums()[b]);
                }
            }
            if (!(a instanceof Q8_1Activations)) {
                assertNull(w.sums());
            }
        }
    }
}
