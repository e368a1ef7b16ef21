package dev.kiln.quant.q6_k;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Q6_K against ggml's own bytes and gguf-py's dequantization (fixtures/quant). */
class Q6KGoldenTest {
    private final Q6K q6k = new Q6K();

    @Test
    void quantizeMatchesGgmlAndDequantizeMatchesGgufPy() throws Exception {
        try (FixtureGguf source = new FixtureGguf(FixtureGguf.fixture("quant/source.f32.gguf"));
             FixtureGguf golden = new FixtureGguf(FixtureGguf.fixture("quant/q6_k.gguf"));
             FixtureGguf dequant = new FixtureGguf(FixtureGguf.fixture("quant/q6_k.dequant.f32.gguf"));
             Arena arena = Arena.ofConfined()) {
            StringBuilder report = new StringBuilder();
            int totalDiff = 0;
            for (FixtureGguf.Tensor src : source.tensors.values()) {
                FixtureGguf.Tensor gold = golden.tensors.get(src.name());
                FixtureGguf.Tensor deq = dequant.tensors.get(src.name());
                int n = (int) (src.shape()[0] * src.rows());
                float[] x = src.data().asSlice(0, 4L * n).toArray(ValueLayout.JAVA_FLOAT);
                int blocks = n / 256;
                MemorySegment mine = arena.allocate(blocks * 210L);
                q6k.quantize(x, 0, n, mine, 0);
                int diffBlocks = 0;
                for (int b = 0; b < blocks; b++) {
                    if (mine.asSlice(b * 210L, 210).mismatch(gold.data().asSlice(b * 210L, 210)) >= 0) {
                        diffBlocks++;
                    }
                }
                totalDiff += diffBlocks;
                float[] expected = deq.data().asSlice(0, 4L * n).toArray(ValueLayout.JAVA_FLOAT);
                float[] got = new float[n];
                q6k.dequantize(gold.data(), 0, got, 0, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(expected[i], got[i], src.name() + "[" + i + "]");
                }
                float[] ours = new float[n];
                q6k.dequantize(mine, 0, ours, 0, n);
                report.append(String.format("%s: %d/%d blocks differ, rel rmse ours %.6f ggml %.6f%n", src.name(),
                        diffBlocks, blocks, relRmse(x, ours), relRmse(x, got)));
            }
            System.out.print(report);
            assertEquals(0, totalDiff, report.toString());
        }
    }

    static double relRmse(float[] x, float[] y) {
        double e = 0;
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            e += (x[i] - y[i]) * (double) (x[i] - y[i]);
            s += x[i] * (double) x[i];
        }
        assertTrue(s >= 0);
        return Math.sqrt(e / Math.max(s, Double.MIN_VALUE));
    }
}
