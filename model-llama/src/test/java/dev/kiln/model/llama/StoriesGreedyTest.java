package dev.kiln.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.model.llama.FixtureModels.Greedy;
import dev.kiln.model.llama.FixtureModels.Loaded;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * stories260K greedy decoding against llama.cpp's recorded ids and logits
 * ({@code fixtures/models/stories260K.expected/}). The prompt ids include BOS; the prompt runs
 * as one batch, then 128 tokens are decoded one at a time with argmax.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoriesGreedyTest {
    private static final int STEPS = 128;

    private Loaded f32;

    @BeforeAll
    void load() {
        f32 = FixtureModels.load(FixtureModels.models().resolve("stories260K.gguf"), 1);
    }

    @AfterAll
    void close() {
        f32.close();
    }

    private static Path expected(String prompt) {
        return FixtureModels.models().resolve("stories260K.expected").resolve(prompt);
    }

    @ParameterizedTest
    @ValueSource(strings = {"p1", "p2", "p3"})
    void f32GreedyIdsEqualLlamaCpp(String prompt) {
        int[] ids = FixtureModels.ids(expected(prompt).resolve("prompt_ids.txt"));
        Greedy g = FixtureModels.greedy(f32.model(), ids, STEPS, 4);
        assertArrayEquals(FixtureModels.ids(expected(prompt).resolve("llamacpp_F32_gen_ids.txt")), g.ids(),
                prompt + ": greedy ids differ from llama.cpp's");

        // llama.cpp's logits for the first 4 generated positions. We round where ggml rounds (F16 KV
        // cache, F16 q and probabilities), so we sit within 4e-3 of llama.cpp where run.c (plain
        // float32) is up to 2.3e-2 away; the remainder is ggml's vectorised exp/summation order.
        List<float[]> reference = FixtureModels.logits(expected(prompt).resolve("llamacpp_F32_logits_first4.txt"));
        assertEquals(4, reference.size());
        for (int i = 0; i < 4; i++) {
            double diff = FixtureModels.maxAbsDiff(g.logits().get(i), reference.get(i));
            assertTrue(diff < 5e-3, prompt + " step " + i + ": max |logit - llama.cpp| = " + diff);
        }
    }

    @Test
    void runCGreedyIdsArePrefixOfOurs() {
        // llama2.c's run.c counts BOS and the prompt in its 128 steps
        for (String prompt : new String[] {"p1", "p2", "p3"}) {
            int[] ids = FixtureModels.ids(expected(prompt).resolve("prompt_ids.txt"));
            int[] runc = FixtureModels.ids(expected(prompt).resolve("runc_F32_gen_ids.txt"));
            Greedy g = FixtureModels.greedy(f32.model(), ids, runc.length, 0);
            assertArrayEquals(runc, g.ids(), prompt + ": run.c's ids");
        }
    }

    @Test
    void threeThreadsGiveTheSameTokens() {
        try (Loaded m = FixtureModels.load(FixtureModels.models().resolve("stories260K.gguf"), 3)) {
            int[] ids = FixtureModels.ids(expected("p3").resolve("prompt_ids.txt"));
            Greedy g = FixtureModels.greedy(m.model(), ids, 32, 0);
            int[] ref = FixtureModels.ids(expected("p3").resolve("llamacpp_F32_gen_ids.txt"));
            assertArrayEquals(java.util.Arrays.copyOf(ref, 32), g.ids());
        }
    }

    /**
     * Quantized files: llama.cpp rounds activations to Q8_0 blocks before its dot products and
     * the quant plugins' kernels do the same, so greedy text agrees token for token, except p2
     * on Q4_0, which leaves llama.cpp's path at token 63, where llama.cpp's own top-2 gap is
     * 0.0115 (the fixture's ggml-numerics reference diverges at the same token). Floors are the
     * counts measured: 128/128/128 (Q8_0) and 128/63/128 (Q4_0).
     */
    @ParameterizedTest
    @CsvSource({
        "stories260K-Q8_0.gguf, Q8_0, p1, 128", "stories260K-Q8_0.gguf, Q8_0, p2, 128", "stories260K-Q8_0.gguf, Q8_0, p3, 128",
        "stories260K-Q4_0.gguf, Q4_0, p1, 128", "stories260K-Q4_0.gguf, Q4_0, p2, 63", "stories260K-Q4_0.gguf, Q4_0, p3, 128"})
    void quantizedGreedyIdsAgreeWithLlamaCpp(String file, String type, String prompt, int floor) {
        try (Loaded m = FixtureModels.load(FixtureModels.models().resolve(file), 1)) {
            int[] ids = FixtureModels.ids(expected(prompt).resolve("prompt_ids.txt"));
            Greedy g = FixtureModels.greedy(m.model(), ids, STEPS, 0);
            int[] ref = FixtureModels.ids(expected(prompt).resolve("llamacpp_" + type + "_gen_ids.txt"));
            int agree = FixtureModels.agreeingPrefix(g.ids(), ref);
            System.out.println(file + " " + prompt + ": " + agree + " of " + STEPS + " tokens agree with llama.cpp");
            assertTrue(agree >= floor, file + " " + prompt + ": only " + agree + " tokens agree, expected at least " + floor);
        }
    }
}
