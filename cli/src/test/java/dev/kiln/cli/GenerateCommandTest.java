package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code kiln generate --temp 0} on stories260K prints exactly llama.cpp's greedy continuation
 * ({@code llamacpp_F32_text.txt} without the prompt) for every fixture prompt, on both backends.
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

    static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
