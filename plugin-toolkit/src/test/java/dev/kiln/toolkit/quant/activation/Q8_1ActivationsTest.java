package dev.kiln.toolkit.quant.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Q8_1's block sums: f16-rounded as ggml-cpu rounds them, finite where f16 would overflow. */
class Q8_1ActivationsTest {

    @Test
    void blockSumIsTheF16RoundedScaledSumOfTheQuants() {
        float[] x = new float[64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.7) * (i < 32 ? 0.3f : 3f);
        }
        Q8_1Activations a = Q8_1Activations.of(x, 0, 64);
        for (int b = 0; b < 2; b++) {
            float amax = 0;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * b + j]));
                sum += a.quant(32 * b + j);
            }
            // ggml-cpu: y.s = FP32_TO_FP16(d * sum) with the unrounded d = amax / 127
            float expected = Float.float16ToFloat(Float.floatToFloat16(amax / 127f * sum));
            assertEquals(expected, a.sum(b), "block " + b);
        }
    }

    @Test
    void aSumBeyondF16RangeStaysFinite() {
        float[] x = new float[32];
        Arrays.fill(x, 60000f);
        Q8_1Activations a = Q8_1Activations.of(x, 0, 32);
        // 32 quants of 127 at scale 60000/127: 1.92e6, far beyond f16's 65504
        assertEquals(60000f / 127f * (127 * 32), a.sum(0), 1f);
    }
}
