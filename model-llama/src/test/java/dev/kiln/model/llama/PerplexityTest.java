package dev.kiln.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.model.llama.FixtureModels.Loaded;
import dev.kiln.runtime.Perplexity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * llama-perplexity's method ({@code -c 128}) over the fixture text's token ids, against every
 * figure in {@code stories260K.ppl.expected.txt}, within 0.5%.
 */
class PerplexityTest {

    @TestFactory
    List<DynamicTest> perplexityMatchesLlamaCpp() throws IOException {
        Path models = FixtureModels.models();
        int[] tokens = FixtureModels.ids(models.resolve("stories260K.ppl.tokens.txt"));
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : Files.readAllLines(models.resolve("stories260K.ppl.expected.txt"))) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] cols = line.split("\\|");
            String file = cols[0].trim();
            double expected = Double.parseDouble(cols[1].trim().split("\\s+")[0]);
            tests.add(DynamicTest.dynamicTest(file, () -> {
                try (Loaded m = FixtureModels.load(models.resolve(file), 1)) {
                    Perplexity.Result r = Perplexity.compute(m.model(), tokens, 128, 1, 0, null);
                    double rel = Math.abs(r.perplexity() / expected - 1);
                    System.out.printf("%s: %s (llama.cpp %.4f, %.4f%% off)%n", file, r, expected, 100 * rel);
                    assertEquals(16, r.chunks());
                    assertEquals(1008, r.scored());
                    assertTrue(rel < 0.005, file + ": PPL " + r.perplexity() + " vs llama.cpp " + expected);
                }
            }));
        }
        assertEquals(8, tests.size(), "figures listed in stories260K.ppl.expected.txt");
        return tests;
    }
}
