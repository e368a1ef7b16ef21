package dev.kiln.model.qwen2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.conformance.ArchitectureReference;
import dev.kiln.runtime.Perplexity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * llama-perplexity's method ({@code -c 128}, no BOS: the vocabulary adds none) over
 * {@code stories260K.ppl.txt} as llama.cpp tokenizes it with the 1k Qwen vocabulary, against the
 * figures in {@code qwen2-tiny/expected/ppl.expected.txt}, within 0.5 %, on both backends.
 */
class Qwen2PerplexityTest {

    private static <T> List<T> plugins(Class<T> service) {
        Qwen2PerplexityTest.class.getModule().addUses(service);
        List<T> found = new ArrayList<>();
        ServiceLoader.load(service).forEach(found::add);
        return found;
    }

    @TestFactory
    List<DynamicTest> perplexityMatchesLlamaCpp() throws IOException {
        Path dir = Qwen2ArchitectureTest.fixture("F32").getParent();
        ModelFormat gguf = plugins(ModelFormat.class).stream().filter(f -> f.name().equals("gguf")).findFirst().orElseThrow();
        QuantTypes types = new QuantTypes(plugins(QuantType.class));
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("expected/ppl.expected.txt"))) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] cols = line.split("\\|");
            String model = cols[0].trim();
            double expected = Double.parseDouble(cols[1].trim());
            int scored = Integer.parseInt(cols[2].trim());
            int[] tokens = ArchitectureReference.ids(dir.resolve("expected/" + model + ".ppl.tokens.txt"));
            for (Backend backend : plugins(Backend.class)) {
                tests.add(DynamicTest.dynamicTest(model + " on " + backend.name(), () -> {
                    try (ModelFile file = gguf.open(dir.resolve(model + ".gguf")); Compute compute = backend.open(2)) {
                        var m = new Qwen2Architecture().load(file, compute, types);
                        Perplexity.Result r = Perplexity.compute(m, tokens, 128, -1, 0, null);
                        double rel = Math.abs(r.perplexity() / expected - 1);
                        System.out.printf("%s on %s: %s (llama.cpp %.4f, %.4f%% off)%n", model, backend.name(), r, expected,
                                100 * rel);
                        assertEquals(scored, r.scored(), "scored tokens");
                        assertTrue(rel < 0.005, model + ": PPL " + r.perplexity() + " vs llama.cpp " + expected);
                    }
                }));
            }
        }
        assertEquals(6, tests.size(), "three files on two backends");
        return tests;
    }
}
