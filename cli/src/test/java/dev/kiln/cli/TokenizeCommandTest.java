package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.runtime.PluginLoader;
import dev.kiln.runtime.Plugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln tokenize} on the vocab-only fixtures against {@code special_tokens.llamacpp.jsonl}
 * (made with llama-tokenize), and the refusal of tokenizers Kiln does not implement.
 */
class TokenizeCommandTest {
    private static final Path VOCAB = GenerateCommandTest.FIXTURES.resolve("vocab");

    @TestFactory
    Stream<DynamicTest> ids_match_llama_tokenize() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : Files.readAllLines(VOCAB.resolve("special_tokens.llamacpp.jsonl"))) {
            JsonNode c = json.readTree(line);
            String vocab = c.get("vocab").asText();
            String text = c.get("text").asText();
            boolean special = c.get("parse_special").asBoolean();
            String expected = Stream.of(c.get("ids")).flatMap(ids -> {
                List<String> s = new ArrayList<>();
                ids.forEach(id -> s.add(id.asText()));
                return s.stream();
            }).collect(Collectors.joining(" "));
            tests.add(DynamicTest.dynamicTest(vocab + (special ? " --special " : " ") + json.writeValueAsString(text), () -> {
                List<String> args = new ArrayList<>(List.of("tokenize", "-m", VOCAB.resolve(vocab).toString()));
                if (special) {
                    args.add("--special");
                }
                args.add("--");
                args.add(text);
                KilnRun run = KilnRun.of(args.toArray(String[]::new));
                assertEquals(0, run.status(), run::toString);
                assertEquals(expected + "\n", run.out());
            }));
        }
        return tests.stream();
    }

    @Test
    void no_bos_leaves_out_the_bos() {
        KilnRun run = KilnRun.of("tokenize", "-m", VOCAB.resolve("ggml-vocab-llama-spm.gguf").toString(), "--no-bos", "Hello world");
        assertEquals("15043 3186\n", run.out(), run::toString);
    }

    @Test
    void an_unimplemented_pre_tokenizer_or_model_is_refused_by_name(@TempDir Path dir) {
        Path pre = withKey(dir.resolve("pre.gguf"), "tokenizer.ggml.pre", "qwen2-imaginary");
        KilnRun run = KilnRun.of("tokenize", "-m", pre.toString(), "Hello");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("qwen2-imaginary"), run::toString);
        assertEquals("", run.out());

        Path model = withKey(dir.resolve("model.gguf"), "tokenizer.ggml.model", "t5-imaginary");
        run = KilnRun.of("tokenize", "-m", model.toString(), "Hello");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("t5-imaginary"), run::toString);
    }

    /** A copy of the GPT-2 vocab file with {@code key} set to {@code value}. */
    private static Path withKey(Path target, String key, String value) {
        Plugins plugins = PluginLoader.load(target.getParent().resolve("no-plugins"));
        ModelFormat gguf = plugins.format("gguf");
        try (ModelFile source = gguf.open(VOCAB.resolve("ggml-vocab-gpt-2.gguf"))) {
            Metadata md = source.metadata();
            gguf.create(target).putAll(md).put(key, MetadataValue.ofString(value)).write();
        }
        return target;
    }
}
