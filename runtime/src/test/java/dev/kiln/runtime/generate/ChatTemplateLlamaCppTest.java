package dev.kiln.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every template Kiln writes, byte for byte against llama.cpp's own {@code llama_chat_apply_template}
 * (llama.cpp v0.5.0, the libllama of node-llama-cpp 3.22.1) on the conversation of llama.cpp's
 * tests/test-chat-template.cpp: each template by name, the Jinja templates of that test for these
 * families (recognised as llama.cpp's {@code llm_chat_detect_template} does), and the templates the
 * Phi-3, Gemma 3 and Mistral-Nemo vocab fixtures carry; with and without the assistant header.
 * The expected strings are in {@code llamacpp-chat-templates.tsv}, written by
 * {@code tools/make_chat_template_reference.py}.
 */
class ChatTemplateLlamaCppTest {

    private record Case(String label, boolean addAssistant, String template, String expected) {
    }

    private static List<Case> cases() throws IOException {
        try (InputStream in = ChatTemplateLlamaCppTest.class.getResourceAsStream("llamacpp-chat-templates.tsv")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).map(l -> {
                String[] f = l.split("\t", -1);
                return new Case(unescape(f[0]), Boolean.parseBoolean(f[1]), unescape(f[2]), unescape(f[3]));
            }).toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyTemplateWritesWhatLlamaCppWrites() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.label() + (c.addAssistant() ? " + assistant header" : ""), () -> {
            // llama.cpp's built-in zephyr hard-codes <|endoftext|> where Kiln writes the vocabulary's EOS
            ChatTemplate t = ChatTemplate.forModel(Optional.of(c.template()), "<|endoftext|>", null);
            assertEquals(c.expected(), t.apply(ChatTemplateTest.CONVERSATION, c.addAssistant()), t.name());
        }));
    }

    @Test
    void everyNamedTemplateIsCovered() throws IOException {
        Set<String> covered = new HashSet<>();
        cases().forEach(c -> covered.add(c.label()));
        for (ChatTemplate.Family f : ChatTemplate.Family.values()) {
            assertTrue(covered.contains(f.id()), "no llama.cpp reference for " + f.id());
        }
        assertFalse(Arrays.asList(ChatTemplate.names().split(", ")).isEmpty());
    }

    @Test
    void theModelTemplatesAreRecognisedAsTheirFamilies() throws IOException {
        for (Case c : cases()) {
            String expected = switch (c.label()) {
                case "fixtures/vocab/ggml-vocab-phi-3.gguf" -> "phi3";
                case "fixtures/vocab/ggml-vocab-gemma3.gguf" -> "gemma";
                case "fixtures/vocab/ggml-vocab-mistral-nemo.gguf" -> "mistral-v3-tekken";
                default -> null;
            };
            if (expected != null) {
                assertEquals(Optional.of(expected), ChatTemplate.detect(c.template()).map(ChatTemplate.Family::id), c.label());
            }
        }
    }

    /** The escapes of the TSV: backslash, n, t, quote and uXXXX. */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> sb.append(e);
            }
        }
        return sb.toString();
    }
}
