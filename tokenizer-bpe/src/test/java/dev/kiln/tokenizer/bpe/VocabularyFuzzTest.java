package dev.kiln.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.kiln.api.KilnException;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ValueType;
import dev.kiln.api.tokenizer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Jazzer fuzz target for tokenizers built from a hostile file's {@code tokenizer.ggml.*} keys:
 * any tokens, scores, token types, special ids, flags, pre-tokenizer name and merge rules, for
 * both factories. Building either works or fails with one {@link KilnException} line; a built
 * tokenizer encodes any text (with and without special-token parsing) into ids of its
 * vocabulary and decodes them and prints every piece without throwing.
 *
 * <p>{@code mvn verify} runs it on the committed inputs in
 * {@code src/test/resources/dev/kiln/tokenizer/bpe/VocabularyFuzzTestInputs};
 * {@code tools/fuzz-long.sh} fuzzes it.
 */
class VocabularyFuzzTest {
    private static final List<String> PRE = List.of("default", "gpt-2", "llama-bpe", "smaug-bpe");

    @FuzzTest(maxDuration = "10m")
    void buildAndTokenize(FuzzedDataProvider data) {
        boolean spm = data.consumeBoolean();
        Map<String, MetadataValue> md = new LinkedHashMap<>();
        md.put("tokenizer.ggml.model", MetadataValue.ofString(spm ? "llama" : "gpt2"));
        int n = data.consumeInt(0, 48);
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = data.consumeBoolean() ? String.format("<0x%02X>", data.consumeInt(0, 255)) : data.consumeString(6);
        }
        md.put(Vocabulary.TOKENS, MetadataValue.ofArray(MetadataArray.ofStrings(tokens)));
        if (data.consumeBoolean()) {
            float[] scores = new float[data.consumeInt(0, n)];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = data.consumeFloat();
            }
            md.put(Vocabulary.SCORES, MetadataValue.ofArray(MetadataArray.ofFloats(scores)));
        }
        if (data.consumeBoolean()) {
            long[] types = new long[data.consumeInt(0, n)];
            for (int i = 0; i < types.length; i++) {
                types[i] = data.consumeInt(-1, 7);
            }
            md.put(Vocabulary.TOKEN_TYPE, MetadataValue.ofArray(MetadataArray.ofIntegers(ValueType.INT32, types)));
        }
        for (String key : List.of("bos", "eos", "unknown", "eot")) {
            if (data.consumeBoolean()) {
                md.put("tokenizer.ggml." + key + "_token_id", MetadataValue.ofUint32(data.consumeInt(0, n + 2)));
            }
        }
        for (String key : List.of(Vocabulary.ADD_BOS, Vocabulary.ADD_EOS, Vocabulary.ADD_SPACE_PREFIX)) {
            if (data.consumeBoolean()) {
                md.put(key, MetadataValue.ofBool(data.consumeBoolean()));
            }
        }
        if (!spm) {
            md.put(Gpt2TokenizerFactory.PRE, MetadataValue.ofString(data.consumeBoolean() ? data.pickValue(PRE) : data.consumeString(10)));
            String[] merges = new String[data.consumeInt(0, 48)];
            for (int i = 0; i < merges.length; i++) {
                merges[i] = n > 0 && data.consumeBoolean()
                        ? tokens[data.consumeInt(0, n - 1)] + " " + tokens[data.consumeInt(0, n - 1)] : data.consumeString(6);
            }
            md.put(ByteLevelBpeTokenizer.MERGES, MetadataValue.ofArray(MetadataArray.ofStrings(merges)));
        }
        Tokenizer tokenizer;
        try {
            tokenizer = (spm ? new LlamaTokenizerFactory() : new Gpt2TokenizerFactory()).create(new Metadata(md));
        } catch (KilnException e) {
            assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl), () -> "control character in: " + e.getMessage());
            return;
        }
        String text = data.consumeRemainingAsString();
        for (boolean parseSpecial : new boolean[] {false, true}) {
            int[] ids = tokenizer.encode(text, true, parseSpecial);
            for (int id : ids) {
                assertTrue(id >= 0 && id < tokenizer.vocabularySize(), () -> "id " + id + " outside the vocabulary");
            }
            tokenizer.decode(ids);
        }
        for (int id = 0; id < tokenizer.vocabularySize(); id++) {
            tokenizer.piece(id);
            tokenizer.isEndOfGeneration(id);
        }
    }
}
