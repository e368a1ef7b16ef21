package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** {@code kiln perplexity -c 128} agrees with llama-perplexity's figures within 0.5% for every file listed. */
class PerplexityCommandTest {
    private static final Path MODELS = GenerateCommandTest.FIXTURES.resolve("models");
    private static final Pattern LAST_LINE = Pattern.compile("PPL = (\\d+\\.\\d{4}) \\+/- (\\d+\\.\\d{4})");

    @TestFactory
    Stream<DynamicTest> perplexity_matches_llama_cpp() throws IOException {
        return Files.readAllLines(MODELS.resolve("stories260K.ppl.expected.txt")).stream()
                .filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("\\|"))
                .map(cols -> DynamicTest.dynamicTest(cols[0].strip(), () -> {
                    double expected = Double.parseDouble(cols[1].strip().split(" ")[0]);
                    double expectedError = Double.parseDouble(cols[1].strip().split(" ")[2]);
                    KilnRun run = KilnRun.of("perplexity", "-m", MODELS.resolve(cols[0].strip()).toString(),
                            "-f", MODELS.resolve("stories260K.ppl.txt").toString(), "-c", "128");
                    assertEquals(0, run.status(), run::toString);
                    String[] lines = run.out().strip().split("\n");
                    Matcher m = LAST_LINE.matcher(lines[lines.length - 1]);
                    assertTrue(m.matches(), run::toString);
                    double ppl = Double.parseDouble(m.group(1));
                    assertEquals(expected, ppl, expected * 0.005, "PPL");
                    assertEquals(expectedError, Double.parseDouble(m.group(2)), expectedError * 0.01, "+/-");
                    assertTrue(run.err().contains("[16]"), run::toString);
                }));
    }
}
