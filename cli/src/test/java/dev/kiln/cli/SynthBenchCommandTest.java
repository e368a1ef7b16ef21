package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.GgmlType;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantType;
import dev.kiln.runtime.PluginLoader;
import dev.kiln.runtime.Plugins;
import dev.kiln.runtime.quantize.FileType;
import dev.kiln.runtime.quantize.QuantMix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln synth} and {@code kiln bench}: the tensor-type mix against the files llama-quantize
 * wrote (tiny-kquant), a synthetic file that loads and runs, and bench's JSON shape.
 */
class SynthBenchCommandTest {
    private static final Path KQUANT = GenerateCommandTest.FIXTURES.resolve("models/tiny-kquant");

    private static Plugins plugins(Path dir) {
        return PluginLoader.load(dir.resolve("no-plugins"));
    }

    /** llama-quantize's default mix, read back from its own output for 2 layers and an untied output. */
    @TestFactory
    Stream<DynamicTest> the_mix_is_llama_quantizes(@TempDir Path dir) {
        return Stream.of("Q8_0", "Q4_0", "Q4_K_M", "Q6_K").map(type -> DynamicTest.dynamicTest(type, () -> {
            FileType fileType = FileType.parse(type);
            try (ModelFile f = plugins(dir).open(KQUANT.resolve("tiny-kquant-" + type + ".gguf"))) {
                Map<String, GgmlType> chosen = new HashMap<>();
                QuantMix.choose(fileType, QuantMix.Model.of(f.metadata()),
                        f.tensors().stream().map(t -> new QuantMix.Tensor(t.name(), t.shape())).toList())
                        .forEach(c -> chosen.put(c.tensor(), c.type()));
                for (TensorInfo t : f.tensors()) {
                    assertEquals(t.type(), chosen.getOrDefault(t.name(), GgmlType.F32), t.name());
                }
                assertEquals(f.metadata().getInt("general.file_type"), fileType.id(), "general.file_type");
            }
        }));
    }

    @Test
    void a_synthetic_model_loads_generates_and_benches(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("small-Q4_K_M.gguf");
        KilnRun synth = KilnRun.of("synth", "--shape", "small", "--type", "Q4_K_M", "-o", file.toString(),
                "--vocab", GenerateCommandTest.FIXTURES.resolve("vocab/ggml-vocab-llama-spm.gguf").toString());
        assertEquals(0, synth.status(), synth::toString);
        Plugins plugins = plugins(dir);
        try (ModelFile f = plugins.open(file)) {
            assertEquals(4 * 9 + 3, f.tensors().size());
            assertEquals(GgmlType.Q6_K, f.tensor("output.weight").orElseThrow().type());
            assertEquals(GgmlType.Q6_K, f.tensor("blk.3.ffn_down.weight").orElseThrow().type());
            assertEquals(GgmlType.Q4_K, f.tensor("blk.0.attn_v.weight").orElseThrow().type());
            assertEquals(32000, f.metadata().getStringArray("tokenizer.ggml.tokens").length);
            // the weights are N(0, 0.02): check the spread of one dequantized matrix
            TensorInfo gate = f.tensor("blk.1.ffn_gate.weight").orElseThrow();
            QuantType q4k = plugins.quantTypeTable().require(GgmlType.Q4_K, "test");
            float[] values = new float[(int) gate.elementCount()];
            q4k.dequantize(f.data(gate), 0, values, 0, values.length);
            double sum = 0;
            double sq = 0;
            for (float v : values) {
                sum += v;
                sq += v * v;
            }
            double mean = sum / values.length;
            double sd = Math.sqrt(sq / values.length - mean * mean);
            assertEquals(0.0, mean, 0.001);
            assertEquals(0.02, sd, 0.001);
            float[] norm = new float[256];
            plugins.quantTypeTable().require(GgmlType.F32, "test")
                    .dequantize(f.data(f.tensor("output_norm.weight").orElseThrow()), 0, norm, 0, 256);
            assertEquals(1f, norm[17]);
        }

        KilnRun generate = KilnRun.of("generate", "-m", file.toString(), "-p", "Hello", "-n", "4", "--temp", "0");
        assertEquals(0, generate.status(), generate::toString);

        KilnRun bench = KilnRun.of("bench", "-m", file.toString(), "-p", "16", "-n", "4", "-r", "2", "-t", "1", "--json");
        assertEquals(0, bench.status(), bench::toString);
        JsonNode json = new ObjectMapper().readTree(bench.out());
        assertEquals("small-Q4_K_M.gguf", json.get("model").asText());
        assertEquals(1, json.get("threads").asInt());
        assertTrue(json.get("first_token_ms").asDouble() >= json.get("load_ms").asDouble());
        assertEquals(Files.size(file) / 1048576.0, json.get("file_mib").asDouble(), 0.01);
        assertTrue(json.get("peak_heap_mib").asDouble() > 0, bench::toString);
        // Linux CI: the peak resident set includes at least the weights the run touched
        assertTrue(json.get("peak_rss_mib").asDouble() > json.get("file_mib").asDouble() * 0.5, bench::toString);
        assertEquals(16, json.get("pp").get("tokens").asInt());
        assertEquals(2, json.get("pp").get("tps").size());
        assertTrue(json.get("pp").get("mean").asDouble() > 0);
        assertEquals(4, json.get("tg").get("tokens").asInt());
        assertTrue(json.get("tg").get("sd").asDouble() >= 0);

        KilnRun table = KilnRun.of("bench", "-m", file.toString(), "-p", "8", "-n", "0", "-r", "1", "--backend", "scalar");
        assertEquals(0, table.status(), table::toString);
        assertTrue(table.out().contains("| pp8 |") && !table.out().contains("tg0"), table::toString);
    }
}
