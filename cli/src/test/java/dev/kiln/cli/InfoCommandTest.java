package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code kiln info --json} on every GGUF in the fixtures, against what gguf-py (llama.cpp's
 * reader) lists for the same file: format-gguf's recorded listings
 * ({@code tools/record_gguf_listing.py}). Also the exit status of user and usage errors.
 */
class InfoCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = Path.of(System.getProperty("kiln.fixtures", "../fixtures"));
    private static final Path LISTINGS = FIXTURES.resolve("../format-gguf/src/test/resources/listings");

    @TestFactory
    Stream<DynamicTest> info_json_matches_gguf_py_for_every_fixture() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(FIXTURES)) {
            files = walk.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no GGUF fixtures under " + FIXTURES.toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(FIXTURES.relativize(f).toString(), () -> check(f)));
    }

    private static void check(Path file) throws IOException {
        String listingName = FIXTURES.relativize(file).toString().replace("/", "__") + ".json";
        Path listingFile = LISTINGS.resolve(listingName);
        assertTrue(Files.exists(listingFile), "no gguf-py listing " + listingFile);
        JsonNode expected = JSON.readTree(listingFile.toFile());

        KilnRun run = KilnRun.of("info", "-m", file.toString(), "--json");
        assertEquals(0, run.status(), run::toString);
        JsonNode actual = JSON.readTree(run.out());

        assertEquals(expected.get("version").asInt(), actual.get("version").asInt(), "version");
        assertEquals(expected.get("alignment").asLong(), actual.get("alignment").asLong(), "alignment");
        compareMetadata(expected.get("metadata"), actual.get("metadata"));
        compareTensors(expected.get("tensors"), actual.get("tensors"));

        // the text form names every key and every tensor too
        KilnRun text = KilnRun.of("info", "-m", file.toString());
        assertEquals(0, text.status(), text::toString);
        expected.get("metadata").fieldNames().forEachRemaining(
                key -> assertTrue(text.out().contains(" " + key + " "), "text form lacks key " + key));
        for (JsonNode t : expected.get("tensors")) {
            assertTrue(text.out().contains("  " + t.get("name").asText() + "  "), "text form lacks tensor " + t.get("name"));
        }
    }

    private static void compareMetadata(JsonNode expected, JsonNode actual) {
        assertEquals(names(expected.fieldNames()), names(actual.fieldNames()), "metadata keys in file order");
        for (Map.Entry<String, JsonNode> e : expected.properties()) {
            JsonNode want = e.getValue();
            JsonNode got = actual.get(e.getKey());
            String key = e.getKey();
            switch (want.get("type").asText()) {
                case "ARRAY" -> {
                    assertTrue(got.isArray(), key + " is an array");
                    assertEquals(want.get("length").asInt(), got.size(), key + " length");
                    JsonNode head = want.get("head");
                    String elementType = want.get("element_type").asText();
                    if (head != null && elementType.equals("STRING")) {
                        for (int i = 0; i < head.size(); i++) {
                            assertEquals(head.get(i).asText(), got.get(i).asText(), key + "[" + i + "]");
                        }
                    } else if (head != null && !elementType.startsWith("FLOAT")) {
                        for (int i = 0; i < head.size(); i++) {
                            assertEquals(head.get(i).asText(), got.get(i).bigIntegerValue().toString(), key + "[" + i + "]");
                        }
                    }
                }
                case "STRING" -> assertEquals(want.get("value").asText(), got.asText(), key);
                case "BOOL" -> assertEquals(want.get("value").asBoolean(), got.asBoolean(), key);
                case "FLOAT32" -> assertEquals(Float.intBitsToFloat((int) Long.parseLong(want.get("bits").asText())),
                        got.floatValue(), key);
                case "FLOAT64" -> assertEquals(Double.longBitsToDouble(Long.parseUnsignedLong(want.get("bits").asText())),
                        got.doubleValue(), key);
                default -> assertEquals(want.get("value").asText(), got.bigIntegerValue().toString(), key);
            }
        }
    }

    private static void compareTensors(JsonNode expected, JsonNode actual) {
        assertEquals(expected.size(), actual.size(), "tensor count");
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            JsonNode got = actual.get(i);
            String name = want.get("name").asText();
            assertEquals(name, got.get("name").asText(), "tensor " + i + " name");
            assertEquals(want.get("type").asText(), got.get("type").asText(), name + " type");
            assertEquals(want.get("shape").toString(), got.get("shape").toString(), name + " shape");
            assertEquals(want.get("offset").asLong(), got.get("offset").asLong(), name + " offset");
            assertEquals(want.get("size").asLong(), got.get("size").asLong(), name + " size");
        }
    }

    private static List<String> names(Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void info_text_lists_every_tensor_and_abbreviates_the_vocabulary() {
        KilnRun run = KilnRun.of("info", "-m", FIXTURES.resolve("models/stories260K.gguf").toString());
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().contains("blk.4.ffn_norm.weight"), run::toString);
        assertTrue(run.out().contains("tokenizer.ggml.tokens") && run.out().contains("507 more"), run::toString);
    }

    @Test
    void a_missing_file_is_a_user_error_with_one_line() {
        KilnRun run = KilnRun.of("info", "-m", "no/such/model.gguf");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().startsWith("kiln: ") && run.err().contains("model.gguf"), run::toString);
        assertEquals(1, run.err().strip().lines().count(), run::toString);
        assertEquals("", run.out());
    }

    @Test
    void a_file_that_is_not_gguf_is_a_user_error() throws IOException {
        Path notGguf = Files.createTempFile("kiln-not-gguf", ".gguf");
        try {
            Files.writeString(notGguf, "this is not a model");
            KilnRun run = KilnRun.of("info", "-m", notGguf.toString());
            assertEquals(1, run.status(), run::toString);
            assertTrue(run.err().startsWith("kiln: "), run::toString);
            assertFalse(run.err().contains("\tat "), "no stack trace without --verbose: " + run);
        } finally {
            Files.delete(notGguf);
        }
    }

    @Test
    void verbose_adds_the_stack_trace() {
        KilnRun run = KilnRun.of("--verbose", "info", "-m", "no/such/model.gguf");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("\tat "), run::toString);
    }

    @Test
    void a_bad_option_is_a_usage_error() {
        assertEquals(2, KilnRun.of("info", "--no-such-option").status());
        assertEquals(2, KilnRun.of("info").status(), "missing -m");
        assertEquals(2, KilnRun.of("no-such-command").status());
        assertEquals(2, KilnRun.of().status(), "no command");
    }
}
