package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** SentencePiece BPE on small in-memory vocabularies: merge order, byte fallback, the space prefix, pieces. */
class SpmTokenizerTest {

    private static MiniVocab vocab() {
        MiniVocab v = MiniVocab.spm();
        v.add("▁", -3, 1);
        v.add("a", -4, 1);
        v.add("b", -4, 1);
        v.add("▁a", -1, 1);
        v.add("ab", -2, 1);
        v.add("▁ab", -0.5f, 1);
        v.add("ba", -0.1f, 1);
        return v;
    }

    private static Tokenizer tokenizer(MiniVocab v) {
        return new LlamaTokenizerFactory().create(v.metadata());
    }

    @Test
    void mergesHighestScoreFirstWithSpacePrefix() {
        MiniVocab v = vocab();
        Tokenizer t = tokenizer(v);
        assertArrayEquals(new int[] {v.id("▁ab")}, t.encode("ab", false, false));
        // "bab": "▁b" is no token; "ba" (-0.1) beats "ab" (-2), leaving ▁ and b
        assertArrayEquals(new int[] {v.id("▁"), v.id("ba"), v.id("b")}, t.encode("bab", false, false));
    }

    @Test
    void equalScoresMergeLeftmostFirst() {
        MiniVocab v = MiniVocab.spm();
        int x = v.add("x", -5, 1);
        int xx = v.add("xx", -1, 1);
        v.set(Vocabulary.ADD_SPACE_PREFIX, MetadataValue.ofBool(false));
        assertArrayEquals(new int[] {xx, x}, tokenizer(v).encode("xxx", false, false));
    }

    @Test
    void phi3DropsWhitespaceAfterSpecialTokensButNotAfterBos() {
        MiniVocab v = vocab();
        int end = v.add("<|end|>", 0, 3);
        String text = "a<|end|>\n b<s> a";
        // without the name the newline and space stay; text after a special token gets the space prefix
        assertArrayEquals(new int[] {v.id("▁a"), end, v.id("▁"), v.id("<0x0A>"), v.id("▁"), v.id("b"), 1, v.id("▁"), v.id("▁a")},
                tokenizer(v).encode(text, false, true));
        v.set(StripRules.NAME, MetadataValue.ofString("Phi-3.5 Mini Instruct"));
        assertArrayEquals(new int[] {v.id("▁a"), end, v.id("▁"), v.id("b"), 1, v.id("▁"), v.id("▁a")},
                tokenizer(v).encode(text, false, true), "llama.cpp strips after <|end|> for Phi-3, never after <s>");
    }

    @Test
    void unknownCharactersFallBackToUtf8ByteTokens() {
        MiniVocab v = vocab();
        Tokenizer t = tokenizer(v);
        int[] ids = t.encode("é", false, false);
        assertArrayEquals(new int[] {v.id("▁"), v.id("<0xC3>"), v.id("<0xA9>")}, ids);
        assertEquals("é", t.decode(ids));
        assertArrayEquals(new byte[] {(byte) 0xC3}, t.piece(v.id("<0xC3>")));
    }

    @Test
    void withoutByteTokensUnknownCharactersBecomeUnk() {
        MiniVocab v = new MiniVocab("llama");
        v.add("<unk>", 0, 2);
        v.add("<s>", 0, 3);
        v.add("</s>", 0, 3);
        int space = v.add("▁", -1, 1);
        Tokenizer t = tokenizer(v);
        assertArrayEquals(new int[] {space, 0, 0}, t.encode("é", false, false));
    }

    @Test
    void bosAndEosFollowTheKeysAndDefaults() {
        MiniVocab v = vocab();
        int[] plain = tokenizer(v).encode("ab", false, false);
        assertArrayEquals(new int[] {1, plain[0]}, tokenizer(v).encode("ab", true, false), "BOS added by default");
        v.set(Vocabulary.ADD_BOS, MetadataValue.ofBool(false)).set(Vocabulary.ADD_EOS, MetadataValue.ofBool(true));
        assertArrayEquals(new int[] {plain[0], 2}, tokenizer(v).encode("ab", true, false));
        assertArrayEquals(new int[] {2}, tokenizer(v).encode("", true, false));
    }

    @Test
    void specialTokenTextIsParsedOnlyWhenAskedAndTextAfterItGetsASpacePrefix() {
        MiniVocab v = vocab();
        Tokenizer t = tokenizer(v);
        assertArrayEquals(new int[] {v.id("▁ab"), 2, v.id("▁ab")}, t.encode("ab</s>ab", false, true));
        int[] plain = t.encode("</s>", false, false);
        assertFalse(java.util.Arrays.stream(plain).anyMatch(id -> id == 2), "</s> must be plain text without parseSpecial");
    }

    @Test
    void noSpacePrefixWhenTheKeySaysSo() {
        MiniVocab v = vocab().set(Vocabulary.ADD_SPACE_PREFIX, MetadataValue.ofBool(false));
        Tokenizer t = tokenizer(v);
        assertArrayEquals(new int[] {v.id("ab")}, t.encode("ab", false, false));
        assertEquals("ab", t.decode(new int[] {v.id("ab")}));
        assertEquals(" ab", t.decode(new int[] {v.id("▁ab")}), "no prefix was added, so none is removed");
    }

    @Test
    void piecesAndDecode() {
        MiniVocab v = vocab();
        Tokenizer t = tokenizer(v);
        assertArrayEquals(" ab".getBytes(StandardCharsets.UTF_8), t.piece(v.id("▁ab")));
        assertEquals(0, t.piece(1).length, "control tokens print nothing");
        assertEquals(0, t.piece(0).length, "unknown prints nothing");
        assertEquals("ab ab", t.decode(new int[] {1, v.id("▁ab"), v.id("▁ab"), 2}), "leading space after BOS removed");
        assertEquals("ab ab", t.decode(new int[] {v.id("▁ab"), v.id("▁ab")}));
        assertEquals("ab", t.decode(t.encode("ab", true, false)));
    }

    @Test
    void endOfGenerationAndSpecialIds() {
        Tokenizer t = tokenizer(vocab());
        assertEquals(1, t.bos());
        assertEquals(2, t.eos());
        assertTrue(t.isEndOfGeneration(2));
        assertFalse(t.isEndOfGeneration(1));
        assertFalse(t.isEndOfGeneration(-5));
    }

    @Test
    void outOfRangeIdsAreKilnExceptions() {
        Tokenizer t = tokenizer(vocab());
        assertThrows(KilnException.class, () -> t.piece(t.vocabularySize()));
        assertThrows(KilnException.class, () -> t.decode(new int[] {-1}));
    }

    @Test
    void idsBeyondTheVocabularyInMetadataAreIgnored() {
        MiniVocab v = vocab().set("tokenizer.ggml.bos_token_id", MetadataValue.ofUint32(4294967295L));
        assertEquals(1, tokenizer(v).bos(), "llama.cpp keeps the default for an out-of-range id");
    }

    @Test
    void wrongModelAndMissingTokensAreRefused() {
        MiniVocab gpt2 = MiniVocab.bpe("gpt-2");
        KilnException e = assertThrows(KilnException.class, () -> new LlamaTokenizerFactory().create(gpt2.metadata()));
        assertTrue(e.getMessage().contains("tokenizer.ggml.model"), e.getMessage());
        MiniVocab empty = new MiniVocab("llama");
        assertThrows(KilnException.class, () -> new LlamaTokenizerFactory().create(empty.metadata()));
    }

    @Test
    void duplicateTokensAreRefused() {
        MiniVocab v = vocab();
        v.add("ab", 0, 1);
        v.add("ba", 0, 1);
        KilnException e = assertThrows(KilnException.class, () -> tokenizer(v));
        // the first repeat in id order, named with the id it repeats
        int first = v.tokens.indexOf("ab");
        int repeat = v.tokens.lastIndexOf("ab");
        assertTrue(e.getMessage().contains("duplicate token 'ab' at ids " + first + " and " + repeat), e.getMessage());
    }
}
