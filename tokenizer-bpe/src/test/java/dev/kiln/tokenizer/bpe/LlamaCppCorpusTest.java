package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.api.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * A generated corpus (1200 seeded texts mixing scripts, digits, whitespace runs, emoji, symbols,
 * special-token text and random code points; {@code tools/tokenizer_llamacpp_reference.mjs corpus})
 * against llama.cpp's ids on every fixture vocabulary, kept as digests: for each text the first 12
 * hex digits of the sha256 of {@code "<ids without special parsing>|<ids with>"}.
 */
class LlamaCppCorpusTest {
    private static final int DIGEST_CHARS = 12;
    private static final int SHOWN = 5;

    record Vocab(String vocab, String pre, String name, String digests) {
    }

    @TestFactory
    Stream<DynamicTest> corpusMatchesLlamaCpp() throws IOException {
        List<String> texts = new ArrayList<>();
        List<Vocab> vocabs = new ArrayList<>();
        try (InputStream in = LlamaCppCorpusTest.class.getResourceAsStream("/llamacpp-corpus.jsonl")) {
            if (in == null) {
                throw new IllegalStateException("test resource llamacpp-corpus.jsonl is missing");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonLine j = new JsonLine(line);
                if (j.string("text") != null) {
                    texts.add(j.string("text"));
                } else {
                    vocabs.add(new Vocab(j.string("vocab"), j.string("pre"), j.string("name"), j.string("digests")));
                }
            }
        }
        assertEquals(1200, texts.size(), "corpus texts");
        return vocabs.stream().map(v -> DynamicTest.dynamicTest(
                v.vocab() + (v.pre() == null ? "" : " pre=" + v.pre()) + (v.name() == null ? "" : " name=" + v.name())
                        + " (" + texts.size() + " texts)",
                () -> check(v, texts)));
    }

    private static void check(Vocab v, List<String> texts) {
        assertEquals(texts.size() * DIGEST_CHARS, v.digests().length(), "digest count");
        Tokenizer t = Fixtures.variant(v.vocab(), v.pre(), v.name());
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            int[] plain = t.encode(text, false, false);
            int[] special = t.encode(text, false, true);
            String expected = v.digests().substring(i * DIGEST_CHARS, (i + 1) * DIGEST_CHARS);
            if (!digest(plain, special).equals(expected)) {
                wrong.add(i + ": " + TokenizerText.escape(text) + " -> " + Arrays.toString(plain) + " | " + Arrays.toString(special));
            }
        }
        if (!wrong.isEmpty()) {
            throw new AssertionError(wrong.size() + " of " + texts.size() + " texts tokenize unlike llama.cpp, e.g.\n  "
                    + wrong.stream().limit(SHOWN).collect(Collectors.joining("\n  ")));
        }
    }

    private static String digest(int[] plain, int[] special) {
        String both = join(plain) + "|" + join(special);
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(both.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash).substring(0, DIGEST_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String join(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }
}
