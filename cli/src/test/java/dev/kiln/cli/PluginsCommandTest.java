package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln plugins} lists every built-in plugin with its module and where it was loaded from.
 * (Surefire runs these tests on the module path, so modules are named as under {@code ./kiln}.)
 */
class PluginsCommandTest {

    /** kind, name, module of every plugin Kiln ships. */
    static final List<List<String>> BUILT_IN = List.of(
            List.of("format", "gguf", "dev.kiln.format.gguf"),
            List.of("quant", "F32", "dev.kiln.quant.floats"),
            List.of("quant", "F16", "dev.kiln.quant.floats"),
            List.of("quant", "BF16", "dev.kiln.quant.floats"),
            List.of("quant", "Q4_0", "dev.kiln.quant.q4_0"),
            List.of("quant", "Q8_0", "dev.kiln.quant.q8_0"),
            List.of("quant", "Q4_K", "dev.kiln.quant.q4_k"),
            List.of("quant", "Q6_K", "dev.kiln.quant.q6_k"),
            List.of("quant", "Q4_1", "dev.kiln.quant.q4_1"),
            List.of("quant", "Q5_0", "dev.kiln.quant.q5_0"),
            List.of("quant", "Q5_1", "dev.kiln.quant.q5_1"),
            List.of("quant", "IQ4_NL", "dev.kiln.quant.iq4_nl"),
            List.of("quant", "IQ4_XS", "dev.kiln.quant.iq4_xs"),
            List.of("backend", "scalar", "dev.kiln.backend.scalar"),
            List.of("backend", "vector", "dev.kiln.backend.vector"),
            List.of("architecture", "llama", "dev.kiln.model.llama"),
            List.of("tokenizer", "llama", "dev.kiln.tokenizer.bpe"),
            List.of("tokenizer", "gpt2", "dev.kiln.tokenizer.bpe"));

    @Test
    void plugins_lists_every_built_in_plugin_with_its_module_and_location() {
        KilnRun run = KilnRun.of("plugins");
        assertEquals(0, run.status(), run::toString);
        List<List<String>> rows = run.out().lines().map(l -> List.of(l.trim().split("\\s+", 4))).toList();
        for (List<String> p : BUILT_IN) {
            List<String> row = rows.stream().filter(r -> r.size() == 4 && r.subList(0, 3).equals(p)).findFirst()
                    .orElseThrow(() -> new AssertionError("missing " + p + " in\n" + run));
            assertTrue(row.get(3).contains("/") || row.get(3).contains("\\"), "location of " + p + ": " + row.get(3));
        }
    }
}
