package dev.kiln.toolkit.quant.activation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.QuantException;
import dev.kiln.toolkit.quant.BlockDotKernel;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The named forms prepare exactly what their activation classes make (arrays included); a kernel without a form says so. */
class ActivationFormTest {

    private static float[] gaussian(int n) {
        Random r = new Random(5);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void namedFormsAreTheActivationClasses() {
        float[] x = gaussian(512);
        assertArrayEquals(Q8_0Activations.of(x, 0, 512).toFloats(), ActivationForm.Q8_0.prepare(x, 0, 512).toFloats());
        assertArrayEquals(Q8_1Activations.of(x, 0, 512).toFloats(), ActivationForm.Q8_1.prepare(x, 0, 512).toFloats());
        assertArrayEquals(Q8KActivations.of(x, 0, 512).toFloats(), ActivationForm.Q8_K.prepare(x, 0, 512).toFloats());
        Q8_1Activations q = ActivationForm.Q8_1.prepare(x, 32, 256);
        assertEquals(256, ActivationForm.Q8_1.count(q));
        for (int i = 0; i < 256; i++) {
            assertEquals(q.quant(i), q.quants()[i]);
        }
        for (int b = 0; b < 8; b++) {
            assertEquals(q.scale(b), q.scales()[b]);
            assertEquals(q.sum(b), q.sums()[b]);
        }
        assertThrows(QuantException.class, () -> ActivationForm.Q8_K.prepare(x, 0, 100));
    }

    @Test
    void aKernelWithoutAFormThatPreparesNothingFailsClearly() {
        BlockDotKernel<Object> k = new BlockDotKernel<>(GgmlType.Q4_0) {
            @Override
            protected float dotBlocks(MemorySegment weights, long offset, Object x, int blocks) {
                return 0;
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> k.prepare(new float[32], 0, 32));
        assertEquals(true, e.getMessage().contains("ActivationForm"), e.getMessage());
    }
}
