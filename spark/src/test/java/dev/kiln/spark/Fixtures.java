package dev.kiln.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** The embedded model, llama.cpp's reference texts for it, prompts, and a local Spark for the tests. */
final class Fixtures {
    static final Path FIXTURES = Path.of(System.getProperty("kiln.fixtures", "../fixtures"));
    static final Path STORIES = FIXTURES.resolve("models/stories260K.gguf");
    static final Path EXPECTED = FIXTURES.resolve("models/stories260K.expected");
    static final List<String> REFERENCE_PROMPTS = List.of("p1", "p2", "p3");

    private Fixtures() {
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static String prompt(String p) {
        return read(EXPECTED.resolve(p).resolve("prompt.txt"));
    }

    /** llama.cpp's greedy 128-token continuation of fixture prompt {@code p}. */
    static String llamaCppContinuation(String p) {
        String prompt = prompt(p);
        String reference = read(EXPECTED.resolve(p).resolve("llamacpp_F32_text.txt"));
        assertTrue(reference.startsWith(prompt));
        return reference.substring(prompt.length());
    }

    /** {@code n} different story openings. */
    static List<String> prompts(int n) {
        String[] names = {"Lily", "Ben", "Tom", "Sue", "Max", "Anna", "Tim", "Mia", "Sam", "Zoe"};
        String[] starts = {"%s went to the park", "Once upon a time, %s", "%s had a big red ball", "%s was sad because",
            "One day %s saw a bird", "%s and her mom", "%s liked to play", "The dog ran to %s", "%s found a box",
            "%s said, \"Look!\""};
        String[] ends = {"", " and", " with a friend", "."};
        List<String> out = new ArrayList<>(n);
        for (int i = 0; out.size() < n; i++) {
            out.add(String.format(starts[i % starts.length], names[(i / starts.length) % names.length])
                    + ends[(i / (starts.length * names.length)) % ends.length]);
        }
        return out;
    }

    /** Spark in this JVM with {@code cores} task threads, quiet, without a UI. */
    static SparkSession spark(int cores, String... extraConf) {
        SparkSession.Builder b = SparkSession.builder()
                .master("local[" + cores + "]")
                .appName("kiln-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1");
        for (int i = 0; i + 1 < extraConf.length; i += 2) {
            b.config(extraConf[i], extraConf[i + 1]);
        }
        return b.getOrCreate();
    }
}
