package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.api.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * llama.cpp's tokenizer test suites ({@code test-tokenizer-0}): each {@code NAME.gguf.inp} holds
 * test strings separated by {@code "\n__ggml_vocab_test__\n"}, line i of {@code NAME.gguf.out}
 * the ids llama.cpp gives string i with {@code tokenize(text, add_special=false, parse_special=false)}.
 * Every case of every vocabulary must match.
 */
class LlamaCppTokenizerSuiteTest {
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    static final List<String> VOCABS = List.of(
            "vocab/ggml-vocab-llama-spm.gguf",
            "vocab/ggml-vocab-llama-bpe.gguf",
            "vocab/ggml-vocab-gpt-2.gguf",
            "vocab/ggml-vocab-qwen2.gguf",
            "vocab/ggml-vocab-starcoder.gguf",
            "vocab/ggml-vocab-mistral-nemo.gguf",
            "vocab/ggml-vocab-phi-3.gguf",
            "vocab/ggml-vocab-gemma2.gguf",
            "vocab/ggml-vocab-gemma3.gguf",
            "models/stories260K.gguf");

    record Case(String text, int[] ids) {
    }

    static List<Case> cases(String vocab) throws IOException {
        String inp = Files.readString(Fixtures.file(vocab + ".inp"), StandardCharsets.UTF_8);
        String out = Files.readString(Fixtures.file(vocab + ".out"), StandardCharsets.UTF_8);
        // the file starts with the first test and ends with a separator-terminated last one
        List<String> texts = new ArrayList<>(Arrays.asList(inp.split(SEPARATOR, -1)));
        if (texts.getLast().isEmpty() || texts.getLast().equals("\n")) {
            texts.removeLast();
        }
        List<String> lines = new ArrayList<>(Arrays.asList(out.split("\n", -1)));
        if (lines.getLast().isEmpty()) {
            lines.removeLast();
        }
        assertEquals(texts.size(), lines.size(), vocab + ": .inp has " + texts.size() + " tests, .out " + lines.size() + " lines");
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = lines.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(texts.get(i), ids));
        }
        return cases;
    }

    @TestFactory
    Stream<DynamicNode> llamaCppSuites() throws IOException {
        List<DynamicNode> suites = new ArrayList<>();
        for (String vocab : VOCABS) {
            List<Case> cases = cases(vocab);
            List<DynamicTest> tests = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                Case c = cases.get(i);
                tests.add(DynamicTest.dynamicTest(i + ": " + TokenizerText.escape(c.text()), () -> {
                    Tokenizer t = Fixtures.tokenizer(vocab);
                    assertArrayEquals(c.ids(), t.encode(c.text(), false, false), () -> "text: " + TokenizerText.escape(c.text()));
                }));
            }
            suites.add(DynamicContainer.dynamicContainer(vocab + " (" + cases.size() + " cases)", tests));
        }
        return suites.stream();
    }
}
