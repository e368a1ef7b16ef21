package dev.kiln.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.api.model.Session;
import dev.kiln.model.llama.FixtureModels.Loaded;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching must never change a result: sequences decoded together through
 * {@code Model.decode} get bit for bit the logits each gets decoded alone, while sequences
 * join and leave the batch.
 */
class BatchedDecodeTest {
    private static final int STEPS = 20;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "stories260K-Q8_0.gguf", "stories260K-Q4_0.gguf",
        "tiny-kquant/tiny-kquant-Q4_K_M.gguf", "tiny-kquant/tiny-kquant-Q6_K.gguf"})
    void sequencesDecodedTogetherGetTheLogitsTheyGetAlone(String file) {
        try (Loaded m = FixtureModels.load(FixtureModels.models().resolve(file), 2)) {
            int vocab = m.model().vocabularySize();
            int[][] prompts = {{1, 20, 30, 40}, {1, 50}, {1, 7, 8, 9, 10, 11, 12, 13}, {1, 99, 98}};
            // alone: each sequence greedy for STEPS tokens, one forward per token
            List<List<float[]>> alone = new ArrayList<>();
            for (int[] prompt : prompts) {
                Session s = m.model().newSession(64);
                float[] logits = s.forward(prompt, 0, prompt.length, false);
                List<float[]> steps = new ArrayList<>();
                for (int i = 0; i < STEPS; i++) {
                    int next = FixtureModels.argmax(logits) % vocab;
                    logits = s.forward(new int[] {next}, 0, 1, false);
                    steps.add(logits);
                }
                alone.add(steps);
            }
            // together: sequence i joins at step i and the last leaves early
            Session[] sessions = new Session[prompts.length];
            float[][] last = new float[prompts.length][];
            int[] done = new int[prompts.length];
            for (int step = 0; step < STEPS + prompts.length; step++) {
                if (step < prompts.length) {
                    sessions[step] = m.model().newSession(64);
                    last[step] = sessions[step].forward(prompts[step], 0, prompts[step].length, false);
                }
                List<Session> batch = new ArrayList<>();
                List<Integer> which = new ArrayList<>();
                for (int i = 0; i < prompts.length; i++) {
                    int limit = i == prompts.length - 1 ? STEPS / 2 : STEPS;
                    if (sessions[i] != null && done[i] < limit) {
                        batch.add(sessions[i]);
                        which.add(i);
                    }
                }
                if (batch.isEmpty()) {
                    continue;
                }
                int[] tokens = new int[batch.size()];
                for (int j = 0; j < tokens.length; j++) {
                    tokens[j] = FixtureModels.argmax(last[which.get(j)]) % vocab;
                }
                float[][] out = m.model().decode(batch, tokens);
                for (int j = 0; j < tokens.length; j++) {
                    int i = which.get(j);
                    assertArrayEquals(alone.get(i).get(done[i]), out[j],
                            file + ": sequence " + i + " step " + done[i] + " in a batch of " + tokens.length);
                    last[i] = out[j];
                    done[i]++;
                }
            }
            assertEquals(STEPS, done[0]);
        }
    }

    @Test
    void aFailingSessionNamesItselfAndNoSessionAdvances() {
        try (Loaded m = FixtureModels.load(FixtureModels.models().resolve("stories260K.gguf"), 1)) {
            Session roomy = m.model().newSession(16);
            Session full = m.model().newSession(2);
            roomy.forward(new int[] {1, 5}, 0, 2, false);
            full.forward(new int[] {1, 5}, 0, 2, false);
            KilnException e = assertThrows(KilnException.class,
                    () -> m.model().decode(List.of(roomy, full), new int[] {6, 6}));
            assertTrue(e.getMessage().contains("session 1"), e.getMessage());
            assertEquals(2, roomy.position());
            assertEquals(2, full.position());

            KilnException twice = assertThrows(KilnException.class,
                    () -> m.model().decode(List.of(roomy, roomy), new int[] {6, 6}));
            assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
            KilnException badToken = assertThrows(KilnException.class,
                    () -> m.model().decode(List.of(roomy), new int[] {-1}));
            assertTrue(badToken.getMessage().contains("outside the vocabulary"), badToken.getMessage());
            assertEquals(2, roomy.position());
        }
    }
}
