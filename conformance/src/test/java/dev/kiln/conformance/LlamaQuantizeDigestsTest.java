package dev.kiln.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaQuantizeDigestsTest {
    private static final String SHA = "ab".repeat(32);

    @TempDir
    Path dir;

    @Test
    void readsFilesTensorsTypesAndDigests() throws IOException {
        Path f = Files.writeString(dir.resolve("d.json"), "{\n \"a.gguf\": {\n  \"t.weight\": [\n   \"Q5_K\",\n   \"" + SHA
                + "\"\n  ],\n  \"n\": [\"F32\", \"" + SHA.replace('a', 'c') + "\"]\n },\n \"b.gguf\": {}\n}\n");
        Map<String, Map<String, LlamaQuantizeDigests.Entry>> d = LlamaQuantizeDigests.read(f);
        assertEquals(2, d.size());
        assertEquals(new LlamaQuantizeDigests.Entry("Q5_K", SHA), d.get("a.gguf").get("t.weight"));
        assertEquals("F32", d.get("a.gguf").get("n").type());
        assertEquals(Map.of(), d.get("b.gguf"));
    }

    @Test
    void refusesAnythingElse() throws IOException {
        for (String text : new String[] {"", "[]", "{\"a.gguf\": {\"t\": [\"Q5_K\", \"123\"]}}",
                "{\"t\": [\"Q5_K\", \"" + SHA + "\"]}", "{\"a.gguf\": {\"t\": 3}}"}) {
            Path f = Files.writeString(dir.resolve("bad.json"), text);
            assertThrows(AssertionError.class, () -> LlamaQuantizeDigests.read(f), text);
        }
    }
}
