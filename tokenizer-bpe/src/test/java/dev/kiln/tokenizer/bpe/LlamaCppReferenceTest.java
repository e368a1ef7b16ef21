package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Texts beyond llama.cpp's own suites (the contract corpus's kinds of text, special-token text,
 * symbol runs, chat markers) tokenized by llama.cpp itself
 * ({@code tools/tokenizer_llamacpp_reference.mjs reference}), with and without special-token
 * parsing, on every fixture vocabulary, and on variants whose {@code tokenizer.ggml.pre} is
 * {@code smaug-bpe}, {@code smollm} or absent (llama.cpp's {@code default}), or whose
 * {@code general.name} no longer says Phi-3.
 */
class LlamaCppReferenceTest {
    /** The byte-level pre-tokenizers for which llama.cpp's detokenize leaves spaces alone ({@code clean_spaces = false}). */
    static final Set<String> NO_CLEAN_SPACES = Set.of("qwen2", "deepseek-r1-qwen", "smollm", "command-r", "tekken");

    record Case(String vocab, String pre, String name, boolean parseSpecial, String text, int[] ids, String detokenized) {
        Tokenizer tokenizer() {
            return Fixtures.variant(vocab, pre, name);
        }

        /** The pre-tokenizer in effect: the override, else the file's. */
        String pre(Metadata file) {
            return pre != null ? pre : file.findString(Gpt2TokenizerFactory.PRE).orElse("default");
        }

        String label() {
            return vocab + (pre == null ? "" : " pre=" + pre) + (name == null ? "" : " name=" + name)
                    + " parse_special=" + parseSpecial + " " + TokenizerText.escape(text);
        }
    }

    static List<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();
        try (InputStream in = LlamaCppReferenceTest.class.getResourceAsStream("/llamacpp-reference.jsonl")) {
            if (in == null) {
                throw new IllegalStateException("test resource llamacpp-reference.jsonl is missing");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    JsonLine j = new JsonLine(line);
                    cases.add(new Case(j.string("vocab"), j.string("pre"), j.string("name"), j.bool("parse_special"), j.string("text"),
                            j.ints("ids"), j.string("detokenized")));
                }
            }
        }
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> matchesLlamaCpp() throws IOException {
        List<Case> cases = cases();
        assertTrue(cases.size() > 600, "reference cases: " + cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.label(),
                () -> assertArrayEquals(c.ids(), c.tokenizer().encode(c.text(), false, c.parseSpecial()),
                        () -> "text: " + TokenizerText.escape(c.text()))));
    }

    /**
     * decode against llama.cpp's detokenize (as node-llama-cpp calls it: nothing removed,
     * special tokens not printed), allowing for Kiln's two documented differences: byte-level
     * vocabularies skip llama.cpp's {@code clean_up_tokenization_spaces} pass (so decode is the
     * streamed pieces; llama.cpp too skips it for the pre-tokenizers in {@link #NO_CLEAN_SPACES}),
     * and SentencePiece decode also removes the prefix space after a BOS.
     */
    @TestFactory
    Stream<DynamicTest> decodeMatchesLlamaCpp() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.label(),
                () -> {
                    Tokenizer t = c.tokenizer();
                    String ours = t.decode(c.ids());
                    if (t instanceof ByteLevelBpeTokenizer && !NO_CLEAN_SPACES.contains(c.pre(Fixtures.metadata(c.vocab())))) {
                        ours = LlamaCppSpaceCleanup.apply(ours);
                    } else if (c.ids().length > 1 && c.ids()[0] == t.bos() && t.piece(c.ids()[1]).length > 0
                            && t.piece(c.ids()[1])[0] == ' ') {
                        ours = " " + ours;
                    }
                    assertEquals(c.detokenized(), ours);
                }));
    }
}
