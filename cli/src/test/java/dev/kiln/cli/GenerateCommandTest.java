package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.runtime.PluginLoader;
import dev.kiln.runtime.Plugins;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln generate --temp 0} on stories260K prints exactly llama.cpp's greedy continuation
 * ({@code llamacpp_F32_text.txt} without the prompt) for every fixture prompt, on both backends;
 * the Qwen architectures generate; an architecture Kiln lacks is refused by name.
 */
class GenerateCommandTest {
    static final Path FIXTURES = Path.of(System.getProperty("kiln.fixtures", "../fixtures"));
    static final Path STORIES = FIXTURES.resolve("models/stories260K.gguf");
    static final Path EXPECTED = FIXTURES.resolve("models/stories260K.expected");

    @TestFactory
    Stream<DynamicTest> greedy_text_equals_llama_cpp_on_both_backends() {
        return Stream.of("scalar", "vector").flatMap(backend -> Stream.of("p1", "p2", "p3")
                .map(p -> DynamicTest.dynamicTest(backend + " " + p, () -> {
                    String prompt = read(EXPECTED.resolve(p).resolve("prompt.txt"));
                    String reference = read(EXPECTED.resolve(p).resolve("llamacpp_F32_text.txt"));
                    assertTrue(reference.startsWith(prompt));
                    KilnRun run = KilnRun.of("generate", "-m", STORIES.toString(), "-p", prompt, "-n", "128",
                            "--temp", "0", "--backend", backend);
                    assertEquals(0, run.status(), run::toString);
                    assertEquals(reference.substring(prompt.length()), run.out());
                    assertTrue(run.err().contains("tokens/s"), run.err());
                })));
    }

    @Test
    void the_same_seed_gives_the_same_text_and_a_stop_string_ends_it() {
        List<String> args = List.of("generate", "-m", STORIES.toString(), "-p", "Once upon a time", "-n", "40",
                "--temp", "1.0", "--seed", "42", "--backend", "scalar");
        KilnRun a = KilnRun.of(args.toArray(String[]::new));
        KilnRun b = KilnRun.of(args.toArray(String[]::new));
        assertEquals(0, a.status(), a::toString);
        assertEquals(a.out(), b.out());
        String stop = a.out().substring(10, 14);
        KilnRun c = KilnRun.of(Stream.concat(args.stream(), Stream.of("--stop", stop)).toArray(String[]::new));
        assertEquals(a.out().substring(0, a.out().indexOf(stop)), c.out());
        assertTrue(c.err().contains("stop: stop string"), c.err());
    }

    @Test
    void the_same_seed_gives_the_same_text_on_both_backends() {
        String[] scalar = {"generate", "-m", STORIES.toString(), "-p", "Lily and Ben", "-n", "100", "--seed", "42",
            "--backend", "scalar"};
        String[] vector = scalar.clone();
        vector[vector.length - 1] = "vector";
        KilnRun a = KilnRun.of(scalar);
        KilnRun b = KilnRun.of(vector);
        assertEquals(0, a.status(), a::toString);
        assertEquals(0, b.status(), b::toString);
        assertEquals(a.out(), b.out());
    }

    @Test
    void a_prompt_longer_than_the_context_is_a_clear_error() {
        KilnRun run = KilnRun.of("generate", "-m", STORIES.toString(), "-p", "Once upon a time there was a cat",
                "-c", "4", "--backend", "scalar");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("kiln: the prompt is ") && run.err().contains("context"), run.err());
        assertEquals("", run.out());
    }

    /** The tiny Qwen, Phi-3 and Gemma models (their ids are checked against llama.cpp's by the model modules) run through generate. */
    @TestFactory
    Stream<DynamicTest> qwen_phi3_and_gemma_models_generate_on_both_backends() {
        return Stream.of("scalar", "vector").flatMap(backend -> Stream.of("qwen2-tiny/qwen2-tiny-Q4_0", "qwen3-tiny/qwen3-tiny-Q8_0",
                        "phi3-tiny/phi3-tiny-Q4_0", "phi3-tiny/phi3-tiny-longrope-Q8_0",
                        "gemma2-tiny/gemma2-tiny-Q4_0", "gemma3-tiny/gemma3-tiny-Q8_0")
                .map(m -> DynamicTest.dynamicTest(backend + " " + m, () -> {
                    KilnRun run = KilnRun.of("generate", "-m", FIXTURES.resolve("models/" + m + ".gguf").toString(),
                            "-p", "Once upon a time", "-n", "16", "--temp", "0", "--backend", backend);
                    assertEquals(0, run.status(), run::toString);
                    assertTrue(run.err().contains("generated 16 tokens"), run.err());
                    assertTrue(!run.out().isEmpty(), run::toString);
                })));
    }

    @Test
    void an_architecture_kiln_lacks_is_refused_by_name(@TempDir Path dir) {
        Plugins plugins = PluginLoader.load(dir.resolve("no-plugins"));
        Path falcon = dir.resolve("falcon.gguf");
        try (ModelFile src = plugins.open(STORIES)) {
            ModelWriter w = plugins.format("gguf").create(falcon);
            w.putAll(src.metadata());
            w.put("general.architecture", MetadataValue.ofString("falcon"));
            for (TensorInfo t : src.tensors()) {
                w.addTensor(t.name(), t.type(), t.shape(), target -> target.copyFrom(src.data(t)));
            }
            w.write();
        }
        KilnRun run = KilnRun.of("generate", "-m", falcon.toString(), "-p", "Hi", "-n", "1");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("unsupported architecture 'falcon'") && run.err().contains("llama")
                && run.err().contains("qwen2") && run.err().contains("qwen3") && run.err().contains("gemma2")
                && run.err().contains("gemma3"), run.err());
    }

    static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
