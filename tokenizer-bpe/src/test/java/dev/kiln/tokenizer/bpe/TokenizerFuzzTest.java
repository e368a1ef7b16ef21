package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.kiln.api.KilnException;
import dev.kiln.api.tokenizer.Tokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer fuzz targets for the tokenizers, one per fixture vocabulary: SentencePiece BPE (Llama
 * 2), byte-level BPE with GPT-2's and with Llama 3's pre-tokenizer. The input bytes are read as
 * UTF-8 (a malformed sequence becomes U+FFFD, as in any Java string), so every byte string is a
 * test text.
 *
 * <p>The round trip asserted is {@code decode(encode(text)) == text}, with and without BOS,
 * special-token text read as plain text. llama.cpp's test-tokenizer-1-spm/-bpe check this for
 * every single code point but U+2581 (SentencePiece's space mark, which decodes as a space);
 * Kiln's decode keeps spaces as they are (no {@code clean_up_tokenization_spaces}, see
 * module-info), so it holds for whole texts here, U+2581 read as a space for SentencePiece.
 * With special-token parsing on (control tokens print nothing, and SentencePiece puts a space
 * after each) only this is asserted: every id is in the vocabulary, and decoding works. Then the
 * input, read as little-endian ints, is decoded as ids: an id outside the vocabulary is a
 * {@link KilnException} naming it, never anything else.
 *
 * <p>{@code mvn verify} runs each target on the committed inputs in
 * {@code src/test/resources/dev/kiln/tokenizer/bpe/TokenizerFuzzTestInputs} (llama.cpp's
 * tokenizer test texts as seeds, and every past finding); {@code tools/fuzz-long.sh} fuzzes.
 */
class TokenizerFuzzTest {
    static final String SPM = "vocab/ggml-vocab-llama-spm.gguf";
    static final String GPT2 = "vocab/ggml-vocab-gpt-2.gguf";
    static final String LLAMA3 = "vocab/ggml-vocab-llama-bpe.gguf";

    @FuzzTest(maxDuration = "10m")
    void llamaSpm(byte[] input) {
        check(Fixtures.tokenizer(SPM), input, true);
    }

    @FuzzTest(maxDuration = "10m")
    void gpt2(byte[] input) {
        check(Fixtures.tokenizer(GPT2), input, false);
    }

    @FuzzTest(maxDuration = "10m")
    void llama3(byte[] input) {
        check(Fixtures.tokenizer(LLAMA3), input, false);
    }

    private static void check(Tokenizer tokenizer, byte[] input, boolean spaceMarkIsSpace) {
        String text = new String(input, StandardCharsets.UTF_8);
        String expected = spaceMarkIsSpace ? text.replace(SpmTokenizer.SPACE_MARK, ' ') : text;
        for (boolean addSpecial : new boolean[] {false, true}) {
            int[] ids = tokenizer.encode(text, addSpecial, false);
            assertInVocabulary(tokenizer, ids);
            assertEquals(expected, tokenizer.decode(ids), () -> "round trip, addSpecial=" + addSpecial);
        }
        int[] parsed = tokenizer.encode(text, true, true);
        assertInVocabulary(tokenizer, parsed);
        tokenizer.decode(parsed);
        decodeArbitraryIds(tokenizer, input);
    }

    private static void assertInVocabulary(Tokenizer tokenizer, int[] ids) {
        for (int id : ids) {
            assertTrue(id >= 0 && id < tokenizer.vocabularySize(), () -> "id " + id + " outside the vocabulary");
        }
    }

    private static void decodeArbitraryIds(Tokenizer tokenizer, byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
        int[] ids = new int[input.length / 4];
        boolean allValid = true;
        for (int i = 0; i < ids.length; i++) {
            ids[i] = in.getInt();
            allValid &= ids[i] >= 0 && ids[i] < tokenizer.vocabularySize();
        }
        try {
            tokenizer.decode(ids);
            assertTrue(allValid, "decode accepted an id outside the vocabulary");
        } catch (KilnException e) {
            assertTrue(!allValid, () -> "decode refused valid ids: " + e.getMessage());
            assertTrue(e.getMessage().contains("token id"), e::getMessage);
        }
    }
}
