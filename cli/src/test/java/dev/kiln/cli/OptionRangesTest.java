package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, findings 8, 9 and 10: values out of range are usage errors (status 2) found where the
 * option is parsed, before any model is loaded; too many threads are capped with one warning; a
 * context beyond the trained one warns once; a missing --plugins directory is an error.
 */
class OptionRangesTest {
    private static final String STORIES = GenerateCommandTest.STORIES.toString();

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> out_of_range_values_are_refused_before_loading() {
        String never = dir.resolve("never-written.gguf").toString();
        List<List<String>> cases = List.of(
                List.of("generate", "-m", STORIES, "-p", "x", "--temp", "-1"),
                List.of("generate", "-m", STORIES, "-p", "x", "--temp", "NaN"),
                List.of("generate", "-m", STORIES, "-p", "x", "--top-k", "-3"),
                List.of("generate", "-m", STORIES, "-p", "x", "-n", "-5"),
                List.of("generate", "-m", STORIES, "-p", "x", "--top-p", "1.5"),
                List.of("generate", "-m", STORIES, "-p", "x", "--min-p", "-0.1"),
                List.of("generate", "-m", STORIES, "-p", "x", "--repeat-penalty", "0"),
                List.of("generate", "-m", STORIES, "-p", "x", "--repeat-last-n", "-2"),
                List.of("generate", "-m", STORIES, "-p", "x", "-c", "0"),
                List.of("generate", "-m", STORIES, "-p", "x", "-t", "0"),
                List.of("chat", "-m", STORIES, "-n", "-2"),
                List.of("perplexity", "-m", STORIES, "-f", STORIES, "-c", "3"),
                List.of("perplexity", "-m", STORIES, "-f", STORIES, "-c", "0"),
                List.of("perplexity", "-m", STORIES, "-f", STORIES, "--chunks", "-7"),
                List.of("bench", "-m", STORIES, "-r", "0"),
                List.of("bench", "-m", STORIES, "-p", "-1"),
                List.of("quantize", STORIES, never, "Q8_0", "-t", "-1"),
                List.of("synth", "--shape", "small", "--type", "Q8_0", "-o", never, "--std", "NaN"),
                List.of("synth", "--shape", "small", "--type", "Q8_0", "-o", never, "--std", "-1"),
                List.of("check-plugin", STORIES, "--timeout", "0"));
        return cases.stream().map(args -> DynamicTest.dynamicTest(String.join(" ", args.subList(0, 1))
                + " " + String.join(" ", args.subList(args.size() - 2, args.size())), () -> {
                    KilnRun run = KilnRun.of(args.toArray(String[]::new));
                    assertEquals(Main.USAGE_ERROR, run.status(), run::toString);
                    String option = args.get(args.size() - 2);
                    assertTrue(run.err().startsWith("kiln: Invalid value for option '"), run::toString);
                    assertTrue(run.err().contains(args.get(args.size() - 1) + " is ") || run.err().contains("'" + args.get(args.size() - 1) + "'"),
                            option + ": " + run);
                    assertFalse(run.err().contains("loaded"), "refused before loading: " + run);
                    assertFalse(Files.exists(Path.of(never)));
                }));
    }

    @Test
    void more_threads_than_cores_are_capped_with_one_warning() {
        int cores = Runtime.getRuntime().availableProcessors();
        KilnRun run = KilnRun.of("generate", "-m", STORIES, "-p", "Once", "-n", "2", "--temp", "0", "-t", "1000",
                "--backend", "scalar");
        assertEquals(0, run.status(), run::toString);
        String warning = "kiln: warning: -t 1000 is more than the " + cores + " available core" + (cores == 1 ? "" : "s")
                + "; using " + cores;
        assertEquals(1, run.err().lines().filter(warning::equals).count(), run::toString);
        assertTrue(run.err().contains(cores + " thread"), run::toString);
    }

    @Test
    void a_context_beyond_the_trained_one_warns_once() {
        KilnRun run = KilnRun.of("generate", "-m", STORIES, "-p", "Once", "-n", "2", "--temp", "0", "-c", "4096",
                "--backend", "scalar");
        assertEquals(0, run.status(), run::toString);
        assertEquals(1, run.err().lines().filter(
                "kiln: warning: -c 4096 is beyond the model's trained context of 2048 tokens; text past it is likely to degrade"::equals)
                .count(), run::toString);
        KilnRun within = KilnRun.of("generate", "-m", STORIES, "-p", "Once", "-n", "2", "--temp", "0", "-c", "2048",
                "--backend", "scalar");
        assertFalse(within.err().contains("warning"), within::toString);
    }

    @Test
    void a_plugins_directory_that_does_not_exist_is_an_error() {
        Path missing = dir.resolve("plugins-typo");
        KilnRun run = KilnRun.of("--plugins", missing.toString(), "plugins");
        assertEquals(1, run.status(), run::toString);
        assertEquals("kiln: plugins directory " + missing + " (from --plugins) does not exist\n", run.err());
    }

    /** Finding 9: "no such file" was said of a directory, a FIFO or /dev/null. */
    @Test
    void input_files_are_described_as_what_they_are() throws Exception {
        KilnRun directory = KilnRun.of("perplexity", "-m", STORIES, "-f", dir.toString());
        assertEquals("kiln: " + dir + " is a directory, not a file to read\n", directory.err());
        KilnRun jarDir = KilnRun.of("check-plugin", dir.toString());
        assertEquals("kiln: " + dir + " is a directory, not a regular file\n", jarDir.err());
        KilnRun device = KilnRun.of("check-plugin", "/dev/null");
        assertEquals("kiln: /dev/null is a character device, not a regular file\n", device.err());
        KilnRun empty = KilnRun.of("perplexity", "-m", STORIES, "-f", "/dev/null", "--backend", "scalar");
        assertEquals(1, empty.status(), empty::toString);
        assertTrue(empty.err().contains("perplexity needs at least 512 tokens"), "read as empty text: " + empty);
        KilnRun missing = KilnRun.of("perplexity", "-m", STORIES, "-f", dir.resolve("absent.txt").toString());
        assertEquals("kiln: " + dir.resolve("absent.txt") + ": no such file\n", missing.err());
    }
}
