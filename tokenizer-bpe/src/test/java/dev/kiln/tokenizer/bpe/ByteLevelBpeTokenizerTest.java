package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.tokenizer.Tokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte-level BPE on small in-memory vocabularies: merge ranks, ignore_merges, the pre-tokenizer choice. */
class ByteLevelBpeTokenizerTest {

    private static MiniVocab helloVocab(String pre) {
        MiniVocab v = MiniVocab.bpe(pre);
        for (String t : List.of("he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "ld", "Ġworld")) {
            v.add(t, 0, 1);
        }
        v.merges.addAll(List.of("h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld"));
        v.add("<|endoftext|>", 0, 3);
        return v;
    }

    private static Tokenizer tokenizer(MiniVocab v) {
        return new Gpt2TokenizerFactory().create(v.metadata());
    }

    @Test
    void mergesByRank() {
        MiniVocab v = helloVocab("gpt-2");
        Tokenizer t = tokenizer(v);
        assertArrayEquals(new int[] {v.id("hello"), v.id("Ġworld")}, t.encode("hello world", false, false));
        assertEquals("hello world", t.decode(t.encode("hello world", false, false)));
        // "l l" (rank 1) is applied before "l d" (rank 7): "lld" → ll, d
        assertArrayEquals(new int[] {v.id("ll"), 'd'}, t.encode("lld", false, false));
    }

    @Test
    void ignoreMergesTakesWholeWordTokensForLlama3() {
        MiniVocab v = MiniVocab.bpe("llama-bpe");
        int whole = v.add("abc", 0, 1);
        v.add("<|begin_of_text|>", 0, 3);
        v.set("tokenizer.ggml.bos_token_id", MetadataValue.ofUint32(v.id("<|begin_of_text|>")));
        v.merges.add("x y"); // no rule builds "abc"
        Tokenizer llama3 = tokenizer(v);
        assertArrayEquals(new int[] {whole}, llama3.encode("abc", false, false));
        assertArrayEquals(new int[] {v.id("<|begin_of_text|>"), whole}, llama3.encode("abc", true, false), "llama-bpe adds BOS by default");
        v.set("tokenizer.ggml.pre", MetadataValue.ofString("smaug-bpe"));
        assertArrayEquals(new int[] {'a', 'b', 'c'}, tokenizer(v).encode("abc", true, false), "smaug-bpe: merges only, no BOS");
    }

    @Test
    void unknownPreTokenizerIsRefusedByName() {
        MiniVocab v = helloVocab("gpt-4o");
        KilnException e = assertThrows(KilnException.class, () -> tokenizer(v));
        assertTrue(e.getMessage().contains("'gpt-4o'"), e.getMessage());
        for (String supported : List.of("llama-bpe", "gpt-2", "qwen2", "smollm", "tekken")) {
            assertTrue(e.getMessage().contains(supported), e.getMessage());
        }
    }

    @Test
    void tekkenTakesWholeWordTokensAndAddsBos() {
        MiniVocab v = MiniVocab.bpe("tekken");
        int whole = v.add("Hello", 0, 1);
        int bos = v.add("<s>", 0, 3);
        v.set("tokenizer.ggml.bos_token_id", MetadataValue.ofUint32(bos));
        v.merges.add("x y"); // no rule builds "Hello"
        assertArrayEquals(new int[] {bos, whole}, tokenizer(v).encode("Hello", true, false));
    }

    @Test
    void qwen2AndSmollmSplitDigitsOneByOne() {
        for (String pre : List.of("qwen2", "smollm", "starcoder")) {
            MiniVocab v = MiniVocab.bpe(pre);
            v.add("12", 0, 1);
            v.merges.add("1 2");
            assertArrayEquals(new int[] {'1', '2', '3'}, tokenizer(v).encode("123", false, false), pre);
        }
        MiniVocab gpt2 = MiniVocab.bpe("gpt-2");
        int twelve = gpt2.add("12", 0, 1);
        gpt2.merges.add("1 2");
        assertArrayEquals(new int[] {twelve, '3'}, tokenizer(gpt2).encode("123", false, false), "gpt-2 keeps digit runs");
    }

    @Test
    void missingPreTokenizerMeansDefault() {
        MiniVocab v = helloVocab(null);
        Tokenizer t = tokenizer(v);
        assertArrayEquals(new int[] {v.id("hello"), v.id("Ġworld")}, t.encode("hello world", false, false));
        // the default splits runs of digits into threes
        assertArrayEquals(new int[] {'1', '2', '3', '4'}, t.encode("1234", false, false));
    }

    @Test
    void missingMergesAreRefused() {
        MiniVocab v = MiniVocab.bpe("gpt-2");
        KilnException e = assertThrows(KilnException.class, () -> tokenizer(v));
        assertTrue(e.getMessage().contains("tokenizer.ggml.merges"), e.getMessage());
    }

    @Test
    void specialTokensAndPieces() {
        MiniVocab v = helloVocab("gpt-2");
        Tokenizer t = tokenizer(v);
        int eot = v.id("<|endoftext|>");
        assertArrayEquals(new int[] {v.id("hello"), eot}, t.encode("hello<|endoftext|>", false, true));
        assertTrue(t.encode("hello<|endoftext|>", false, false).length > 2);
        assertTrue(t.isEndOfGeneration(eot), "<|endoftext|> ends generation");
        assertEquals(0, t.piece(eot).length);
        assertArrayEquals(new byte[] {' ', 'w'}, t.piece(v.id("Ġw")));
        assertArrayEquals(new byte[] {(byte) 0xFF}, t.piece(0xFF));
        assertEquals(11, t.bos(), "llama.cpp's default BOS for BPE vocabularies is id 11 when the file names none");
    }
}
