package dev.kiln.toolkit.quant.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.toolkit.quant.BFloat16;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The toolkit's activation forms against ggml-cpu's, through the golden dot products of
 * fixtures/quant/TYPE.dot.txt (numpy, tools/make_quant_kit_golden.py): Σ dequant·rounded(x) with
 * the toolkit's rounding must give the file's value to double rounding, for every vec_dot_type.
 * One activation rounded differently moves a product by ~1e-3 of Σ|terms|, far above 1e-12.
 */
class DotGoldenRoundingTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @ParameterizedTest
    @CsvSource({"f32, none", "f16, f16", "bf16, bf16", "q4_0, q8_0", "q5_0, q8_0", "q8_0, q8_0", "iq4_nl, q8_0",
        "q4_1, q8_1", "q5_1, q8_1", "q2_k, q8_k", "q3_k, q8_k", "q4_k, q8_k", "q5_k, q8_k", "q6_k, q8_k", "iq4_xs, q8_k"})
    void roundingReproducesGgmlCpu(String type, String vecDotType) throws IOException {
        Path dir = Path.of(System.getProperty("kiln.fixtures"), "quant");
        List<String> lines = Files.readAllLines(dir.resolve(type + ".dot.txt"));
        float[][] xs = {hex(lines.get(1)), hex(lines.get(2))};
        assertTrue(lines.get(1).startsWith("x0 ") && lines.get(2).startsWith("x1 "));
        try (ModelFile deq = open(dir.resolve(type + ".dequant.f32.gguf")); ModelFile quant = open(dir.resolve(type + ".gguf"))) {
            int compared = 0;
            for (String line : lines.subList(3, lines.size())) {
                String[] f = line.split(" ");
                TensorInfo t = deq.tensor(f[0]).orElseThrow();
                int row = Integer.parseInt(f[1]);
                if (row >= t.rows()) {
                    continue; // the later types' dequantized files keep the first rows only
                }
                int cols = (int) t.columns();
                float[] w = deq.data(t).asSlice((long) row * cols * 4, cols * 4L).toArray(F32);
                for (int k = 0; k < 2; k++) {
                    double expected = Double.parseDouble(f[2 + 2 * k]);
                    double sumAbs = Double.parseDouble(f[3 + 2 * k]);
                    double got = dot(vecDotType, w, xs[k], quant, f[0], row, GgmlType.byName(type).orElseThrow());
                    assertEquals(expected, got, 1e-12 * sumAbs + 1e-30, type + " " + line.substring(0, 20) + " x" + k);
                    compared++;
                }
            }
            assertTrue(compared >= 2 * 48, type + ": only " + compared + " products compared");
        }
    }

    private static double dot(String vdt, float[] w, float[] x, ModelFile quant, String tensor, int row, GgmlType type) {
        double sum = 0;
        switch (vdt) {
            case "none" -> sum = plain(w, x, v -> v);
            case "f16" -> sum = plain(w, x, v -> Float.float16ToFloat(Float.floatToFloat16(v)));
            case "bf16" -> sum = plain(w, x, BFloat16::round);
            case "q8_0" -> sum = exact(w, Q8_0Activations.of(x, 0, x.length));
            case "q8_k" -> sum = exact(w, Q8KActivations.of(x, 0, x.length));
            case "q8_1" -> {
                Q8_1Activations a = Q8_1Activations.of(x, 0, x.length);
                sum = exact(w, a);
                // the weights' minimum m (f16 at byte 2 of each block) meets the separately rounded sum
                TensorInfo t = quant.tensor(tensor).orElseThrow();
                long rowBytes = type.byteSize(t.columns());
                MemorySegment blocks = quant.data(t).asSlice(row * rowBytes, rowBytes);
                for (int b = 0; b < a.blockCount(); b++) {
                    double m = Float.float16ToFloat(blocks.get(F16, (long) b * type.blockBytes() + 2));
                    int q = 0;
                    for (int j = 0; j < 32; j++) {
                        q += a.quant(32 * b + j);
                    }
                    sum += m * (a.sum(b) - (double) a.scale(b) * q);
                }
            }
            default -> throw new AssertionError(vdt);
        }
        return sum;
    }

    private static double plain(float[] w, float[] x, UnaryOperator<Float> round) {
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            sum += (double) w[i] * round.apply(x[i]);
        }
        return sum;
    }

    /** Σ w·quant·scale in double: ggml multiplies the int8 values exactly, a float product q·d would round. */
    private static double exact(float[] w, QuantizedActivations a) {
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            sum += (double) w[i] * a.quant(i) * a.scale(i / a.blockSize());
        }
        return sum;
    }

    private static float[] hex(String line) {
        String[] f = line.split(" ");
        float[] x = new float[f.length - 1];
        for (int i = 1; i < f.length; i++) {
            x[i - 1] = Float.intBitsToFloat(Integer.parseUnsignedInt(f[i], 16));
        }
        return x;
    }

    private static ModelFile open(Path file) {
        DotGoldenRoundingTest.class.getModule().addUses(ModelFormat.class);
        for (ModelFormat format : ServiceLoader.load(ModelFormat.class)) {
            if (format.recognizes(file)) {
                return format.open(file);
            }
        }
        throw new AssertionError("no GGUF reader on the test path for " + file);
    }
}
