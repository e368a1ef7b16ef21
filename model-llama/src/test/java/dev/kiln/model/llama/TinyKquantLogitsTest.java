package dev.kiln.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.model.llama.FixtureModels.Greedy;
import dev.kiln.model.llama.FixtureModels.Loaded;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * tiny-kquant (random weights, every quant type, mixed per tensor): logits for the reference
 * prompt at the first 2 generated positions against llama.cpp's. The fixture README puts the
 * float64 reference up to 0.071 from llama.cpp and its ggml-numerics reference within 5e-7
 * (F16: 1.6e-3). Our kernels round activations where ggml does, and we measured:
 * Q8_0, Q4_0, Q6_K within 7.2e-7; F16 1.6e-3 (the same unexplained gap as the reference);
 * Q4_K_M 0.056: in layer 0 at position 3 one query value (-0.0970155, 3e-7 from the midpoint
 * between two F16 values; our float sums and ggml's differ by that much) rounds to the other F16
 * neighbour than in llama.cpp before q·k. Making that single flip in the fixture's
 * ggml-numerics reference moves it exactly onto our logits (0.0543 at step 0), so the gap is
 * that one rounding, amplified by this random model; it is inside the 0.071 the float64
 * reference shows. Tolerances are those measurements rounded up.
 */
class TinyKquantLogitsTest {

    @ParameterizedTest
    @CsvSource({"F16, 2e-3", "Q8_0, 2e-6", "Q4_0, 2e-6", "Q4_K_M, 0.065", "Q6_K, 2e-6"})
    void logitsMatchLlamaCpp(String variant, double tolerance) {
        Path dir = FixtureModels.models().resolve("tiny-kquant");
        try (Loaded m = FixtureModels.load(dir.resolve("tiny-kquant-" + variant + ".gguf"), 1)) {
            int[] prompt = FixtureModels.ids(dir.resolve("expected/prompt_ids.txt"));
            Greedy g = FixtureModels.greedy(m.model(), prompt, 32, 2);
            List<float[]> reference = FixtureModels.logits(dir.resolve("expected/" + variant + ".llamacpp_logits_first2.txt"));
            List<float[]> f64 = FixtureModels.logits(dir.resolve("expected/" + variant + ".numpy_f64_logits_first2.txt"));
            assertEquals(2, reference.size());
            int[] ids = FixtureModels.ids(dir.resolve("expected/" + variant + ".llamacpp_gen_ids.txt"));
            System.out.printf("tiny-kquant %s: max |dlogit| vs llama.cpp %.3g, %.3g (float64 reference: %.3g, %.3g); "
                            + "%d of 32 greedy ids agree%n", variant,
                    FixtureModels.maxAbsDiff(g.logits().get(0), reference.get(0)),
                    FixtureModels.maxAbsDiff(g.logits().get(1), reference.get(1)),
                    FixtureModels.maxAbsDiff(g.logits().get(0), f64.get(0)),
                    FixtureModels.maxAbsDiff(g.logits().get(1), f64.get(1)),
                    FixtureModels.agreeingPrefix(g.ids(), ids));
            for (int step = 0; step < 2; step++) {
                double diff = FixtureModels.maxAbsDiff(g.logits().get(step), reference.get(step));
                assertTrue(diff <= tolerance, variant + " step " + step + ": max |logit - llama.cpp| = " + diff
                        + " > " + tolerance);
            }
        }
    }
}
