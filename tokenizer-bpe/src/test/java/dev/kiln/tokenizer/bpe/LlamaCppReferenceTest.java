package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Texts beyond llama.cpp's own suites (the contract corpus's kinds of text, special-token text,
 * symbol runs) tokenized by llama.cpp itself ({@code tools/tokenizer_llamacpp_reference.mjs}),
 * with and without special-token parsing, on every fixture vocabulary, and on variants whose
 * {@code tokenizer.ggml.pre} is {@code smaug-bpe} or absent (llama.cpp's {@code default}).
 */
class LlamaCppReferenceTest {
    private static final Map<String, Tokenizer> VARIANTS = new ConcurrentHashMap<>();

    record Case(String vocab, String pre, boolean parseSpecial, String text, int[] ids, String detokenized) {
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
                    cases.add(new Case(j.string("vocab"), j.string("pre"), j.bool("parse_special"), j.string("text"), j.ints("ids"),
                            j.string("detokenized")));
                }
            }
        }
        return cases;
    }

    /** The fixture's tokenizer, or one built from its metadata with the pre-tokenizer key replaced ("(none)": removed). */
    static Tokenizer tokenizer(String vocab, String pre) {
        if (pre == null) {
            return Fixtures.tokenizer(vocab);
        }
        return VARIANTS.computeIfAbsent(vocab + "|" + pre, k -> {
            Map<String, MetadataValue> entries = new LinkedHashMap<>(Fixtures.metadata(vocab).asMap());
            if (pre.equals("(none)")) {
                entries.remove(Gpt2TokenizerFactory.PRE);
            } else {
                entries.put(Gpt2TokenizerFactory.PRE, MetadataValue.ofString(pre));
            }
            return new Gpt2TokenizerFactory().create(new Metadata(entries));
        });
    }

    @TestFactory
    Stream<DynamicTest> matchesLlamaCpp() throws IOException {
        List<Case> cases = cases();
        assertTrue(cases.size() > 600, "reference cases: " + cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(
                c.vocab() + (c.pre() == null ? "" : " pre=" + c.pre()) + " parse_special=" + c.parseSpecial() + " "
                        + TokenizerText.escape(c.text()),
                () -> assertArrayEquals(c.ids(), tokenizer(c.vocab(), c.pre()).encode(c.text(), false, c.parseSpecial()),
                        () -> "text: " + TokenizerText.escape(c.text()))));
    }

    /**
     * decode against llama.cpp's detokenize (as node-llama-cpp calls it: nothing removed,
     * special tokens not printed), allowing for Kiln's two documented differences: byte-level
     * vocabularies skip llama.cpp's {@code clean_up_tokenization_spaces} pass (so decode is the
     * streamed pieces), and SentencePiece decode also removes the prefix space after a BOS.
     */
    @TestFactory
    Stream<DynamicTest> decodeMatchesLlamaCpp() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(
                c.vocab() + (c.pre() == null ? "" : " pre=" + c.pre()) + " parse_special=" + c.parseSpecial() + " "
                        + TokenizerText.escape(c.text()),
                () -> {
                    Tokenizer t = tokenizer(c.vocab(), c.pre());
                    String ours = t.decode(c.ids());
                    if (t instanceof ByteLevelBpeTokenizer) {
                        ours = LlamaCppSpaceCleanup.apply(ours);
                    } else if (c.ids().length > 1 && c.ids()[0] == t.bos() && t.piece(c.ids()[1]).length > 0
                            && t.piece(c.ids()[1])[0] == ' ') {
                        ours = " " + ours;
                    }
                    assertEquals(c.detokenized(), ours);
                }));
    }
}
