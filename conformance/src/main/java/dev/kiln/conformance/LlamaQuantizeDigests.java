package dev.kiln.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A digest file of llama-quantize outputs ({@code fixtures/models/quant-mix/digest.json}): for each
 * output file name, each tensor's ggml type name and the sha256 of its bytes, as
 * <pre>{"file.gguf": {"tensor": ["TYPE", "hex"], ...}, ...}</pre>
 * Read with a strict pattern for exactly that shape (the kit carries no JSON library): anything
 * else is an {@link AssertionError} naming the offset.
 */
final class LlamaQuantizeDigests {
    /** One tensor's expected type and digest. */
    record Entry(String type, String sha256) {
    }

    private static final Pattern TOKEN = Pattern.compile(
            "\\s*(?:\"([^\"\\\\]+)\"\\s*:\\s*\\{"                                                     // "file": {
            + "|\"([^\"\\\\]+)\"\\s*:\\s*\\[\\s*\"([A-Z0-9_]+)\"\\s*,\\s*\"([0-9a-f]{64})\"\\s*\\]\\s*,?" // "tensor": ["T", "sha"]
            + "|\\}\\s*,?|\\{)");

    private LlamaQuantizeDigests() {
    }

    /** File name → tensor name → entry, in file order. */
    static Map<String, Map<String, Entry>> read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Map<String, Map<String, Entry>> files = new LinkedHashMap<>();
        Map<String, Entry> current = null;
        Matcher m = TOKEN.matcher(text);
        int at = 0;
        while (at < text.length() && !text.substring(at).isBlank()) {
            if (!m.find(at) || m.start() != at) {
                throw new AssertionError(file.getFileName() + ": not a digest file at offset " + at);
            }
            if (m.group(1) != null) {
                current = new LinkedHashMap<>();
                files.put(m.group(1), current);
            } else if (m.group(2) != null) {
                if (current == null) {
                    throw new AssertionError(file.getFileName() + ": tensor " + m.group(2) + " outside a file at offset " + at);
                }
                current.put(m.group(2), new Entry(m.group(3), m.group(4)));
            }
            at = m.end();
        }
        if (files.isEmpty()) {
            throw new AssertionError(file.getFileName() + ": no digests");
        }
        return files;
    }
}
