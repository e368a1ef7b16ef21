package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.KilnSession;
import dev.kiln.runtime.ModelOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * tiny-kquant quantized by {@code kiln quantize} to Q5_K, Q3_K and Q2_K (llama-quantize --pure
 * semantics: every matrix in that type) loads and generates on both backends, and its logits at the
 * first two generated positions and its first eight greedy ids are llama.cpp's for the same file and
 * two prompts ({@code fixtures/models/tiny-kquant/expected/kiln-TYPE[.prompt2].llamacpp_*}, recorded
 * with {@code tools/llamacpp_logits_reference.mjs} from files this command wrote; their tensors are
 * byte-identical to llama-quantize's, which each type's own tests check).
 *
 * <p>Measured: within 1.2e-6 on both backends, except Q5_K on the first prompt (0.036 scalar, 0.043
 * vector) and Q3_K on the second (0.039 both). There one activation lands on the other side of a
 * rounding tie than in llama.cpp (as for Q4_K_M in model-llama's TinyKquantLogitsTest), which this
 * random model amplifies; the same files agree to 1e-6 on the other prompt, and the numpy
 * ggml-numerics reference reproduces llama.cpp's Q5_K logits to 6e-7, so the type's arithmetic is
 * not in question. Those two get 0.05, the rest 2e-6.
 */
class KQuantModelsTest {
    private static final Path FIXTURES = Path.of(System.getProperty("kiln.fixtures", "../fixtures"));
    private static final Path TINY = FIXTURES.resolve("models/tiny-kquant");

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"Q5_K, 0.05, 2e-6", "Q3_K, 2e-6, 0.05", "Q2_K, 2e-6, 2e-6"})
    void quantized_model_generates_llama_cpps_logits_on_both_backends(String type, double tolerance1, double tolerance2)
            throws IOException {
        Path out = dir.resolve("tiny-kquant-" + type + ".gguf");
        KilnRun quantize = KilnRun.of("quantize", TINY.resolve("tiny-kquant-F16.gguf").toString(), out.toString(), type, "-t", "2");
        assertEquals(0, quantize.status(), quantize::toString);
        GgmlType ggml = GgmlType.valueOf(type);
        try (ModelFile f = Kiln.withPlugins(null).openFile(out)) {
            int matrices = 0;
            for (TensorInfo t : f.tensors()) {
                if (t.shape().length == 2) {
                    assertEquals(ggml, t.type(), t.name() + " (the references were recorded on a --pure file)");
                    matrices++;
                }
            }
            assertEquals(16, matrices);
        }

        List<String> texts = new ArrayList<>();
        for (String backend : List.of("scalar", "vector")) {
            try (KilnModel m = Kiln.load(out, ModelOptions.defaults().withBackend(backend).withThreads(2))) {
                agreesWithLlamaCpp(m, type, backend, "prompt_ids.txt", "kiln-" + type, tolerance1);
                agreesWithLlamaCpp(m, type, backend, "prompt2_ids.txt", "kiln-" + type + ".prompt2", tolerance2);
            }
            KilnRun generate = KilnRun.of("generate", "-m", out.toString(), "-p", "Once upon a time", "-n", "16",
                    "--temp", "0", "--backend", backend);
            assertEquals(0, generate.status(), generate::toString);
            assertTrue(generate.err().contains("tokens/s"), generate::toString);
            texts.add(generate.out());
        }
        assertEquals(texts.get(0), texts.get(1), "greedy text on scalar and vector");
    }

    /** Logits at the first two generated positions and eight greedy ids of {@code promptFile} against llama.cpp's. */
    private static void agreesWithLlamaCpp(KilnModel m, String type, String backend, String promptFile, String reference,
                                           double tolerance) throws IOException {
        int[] prompt = ids(TINY.resolve("expected").resolve(promptFile));
        List<float[]> logits = logits(TINY.resolve("expected/" + reference + ".llamacpp_logits_first2.txt"));
        int[] ids = ids(TINY.resolve("expected/" + reference + ".llamacpp_gen_ids.txt"));
        KilnSession s = m.newSession(prompt.length + 8);
        float[] got = s.forward(prompt, 0, prompt.length, false);
        int[] greedy = new int[8];
        for (int step = 0; step < greedy.length; step++) {
            if (step < logits.size()) {
                double diff = maxAbsDiff(got, logits.get(step));
                System.out.printf("%s %s step %d: max |logit - llama.cpp| %.3g%n", reference, backend, step, diff);
                assertTrue(diff <= tolerance, reference + " on " + backend + " step " + step
                        + ": max |logit - llama.cpp| = " + diff + " > " + tolerance);
            }
            greedy[step] = argmax(got);
            got = s.forward(greedy, step, 1, false);
        }
        assertArrayEquals(java.util.Arrays.copyOf(ids, greedy.length), greedy, reference + " greedy ids on " + backend);
    }

    private static int[] ids(Path file) throws IOException {
        String[] parts = Files.readString(file).trim().split("\\s+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            ids[i] = Integer.parseInt(parts[i]);
        }
        return ids;
    }

    /** Blocks of one value per line, each after a '#' line. */
    private static List<float[]> logits(Path file) throws IOException {
        List<List<Float>> blocks = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("#")) {
                blocks.add(new ArrayList<>());
            } else if (!line.isBlank()) {
                blocks.getLast().add(Float.parseFloat(line.trim()));
            }
        }
        List<float[]> out = new ArrayList<>();
        for (List<Float> b : blocks) {
            float[] a = new float[b.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = b.get(i);
            }
            out.add(a);
        }
        return out;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(b.length, a.length, "vocabulary size");
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
