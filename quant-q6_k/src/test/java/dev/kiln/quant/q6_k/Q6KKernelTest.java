package dev.kiln.quant.q6_k;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.toolkit.quant.activation.Q8KActivations;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Q6_K × Q8_K kernel against llama.cpp's numerics: expected values from
 * {@code tools/make_kquant_dot_golden.py} (gguf-py dequantization × ggml's Q8_K activation
 * rounding, in float64) on a real llama-quantize tensor, and against the plain float dot.
 */
class Q6KKernelTest {
    private static final String TYPE_FILE = "models/tiny-kquant/tiny-kquant-Q4_K_M.gguf";
    private final Q6K type = new Q6K();

    @SuppressWarnings("unchecked")
    private DotKernel<Q8KActivations> kernel() {
        return (DotKernel<Q8KActivations>) type.kernel();
    }

    @Test
    void dotMatchesGgmlNumericsOnRealWeights() throws IOException {
        Golden golden = Golden.load(getClass().getResource("dot-golden.txt").openStream());
        try (ModelFile model = Fixtures.open(TYPE_FILE)) {
            TensorInfo t = Fixtures.tensor(model, golden.tensor);
            MemorySegment w = model.data(t);
            int cols = (int) t.columns();
            long rowBytes = type.byteSize(cols);
            float[] row = new float[cols];
            double worst = 0;
            for (int k = 0; k < golden.xs.size(); k++) {
                Q8KActivations xq = kernel().prepare(golden.xs.get(k), 0, cols);
                float[] out = new float[(int) t.rows()];
                kernel().dotRows(w, 0, rowBytes, out.length, xq, cols, out, 0);
                for (int r = 0; r < t.rows(); r++) {
                    type.dequantize(w, r * rowBytes, row, 0, cols);
                    double bound = 0;
                    for (int i = 0; i < cols; i++) {
                        bound += Math.abs(row[i] * (double) xq.scale(i / 256) * xq.quant(i));
                    }
                    double expected = golden.dots.get(r)[k];
                    float single = kernel().dot(w, r * rowBytes, xq, cols);
                    assertEquals(out[r], single, "dotRows and dot differ at row " + r);
                    double err = Math.abs(single - expected);
                    worst = Math.max(worst, err / bound);
                    assertTrue(err <= 1e-6 * bound, "row " + r + " x" + k + ": " + single + " vs " + expected
                            + " (|terms| " + bound + ")");
                }
            }
            System.out.printf("Q6_K dot vs ggml numerics: worst error %.3g of the sum of |terms|%n", worst);
        }
    }

    @Test
    void dotIsCloseToTheFloatDotProduct() {
        float[] x = new float[1024];
        float[] w = new float[1024];
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
            w[i] = (float) (rnd.nextGaussian() * 0.05);
        }
        MemorySegment q = MemorySegment.ofArray(new byte[(int) type.byteSize(w.length)]);
        type.quantize(w, 0, w.length, q, 0);
        float[] wd = new float[w.length];
        type.dequantize(q, 0, wd, 0, w.length);
        double exact = 0;
        double bound = 0;
        for (int b = 0; b < 4; b++) {
            float amax = 0;
            for (int i = 256 * b; i < 256 * b + 256; i++) {
                amax = Math.max(amax, Math.abs(x[i]));
            }
            for (int i = 256 * b; i < 256 * b + 256; i++) {
                exact += (double) wd[i] * x[i];
                bound += Math.abs(wd[i]) * (amax / 254.0) * 1.0001; // Q8_K rounds each x by at most d/2
            }
        }
        float got = kernel().dot(q, 0, kernel().prepare(x, 0, x.length), x.length);
        assertTrue(Math.abs(got - exact) <= bound, got + " vs " + exact + " bound " + bound);
    }

    /** The golden text file written by tools/make_kquant_dot_golden.py. */
    record Golden(String tensor, List<float[]> xs, List<double[]> dots) {
        static Golden load(java.io.InputStream in) throws IOException {
            String tensor = null;
            List<float[]> xs = new ArrayList<>();
            List<double[]> dots = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    String[] f = line.trim().split("\\s+");
                    if (f[0].equals("#")) {
                        tensor = f[2];
                    } else if (f[0].startsWith("x")) {
                        float[] x = new float[f.length - 1];
                        for (int i = 1; i < f.length; i++) {
                            x[i - 1] = Float.intBitsToFloat(Integer.parseUnsignedInt(f[i], 16));
                        }
                        xs.add(x);
                    } else if (f[0].equals("row")) {
                        double[] d = new double[f.length - 2];
                        for (int i = 2; i < f.length; i++) {
                            d[i - 2] = Double.parseDouble(f[i]);
                        }
                        dots.add(d);
                    }
                }
            }
            return new Golden(tensor, xs, dots);
        }
    }
}
