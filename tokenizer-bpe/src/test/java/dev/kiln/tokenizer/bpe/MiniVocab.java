package dev.kiln.tokenizer.bpe;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small vocabularies built as metadata in memory, for unit tests that need no GGUF file. */
final class MiniVocab {
    final List<String> tokens = new ArrayList<>();
    final List<Float> scores = new ArrayList<>();
    final List<Long> types = new ArrayList<>();
    final List<String> merges = new ArrayList<>();
    final Map<String, MetadataValue> extra = new LinkedHashMap<>();
    private final String model;

    MiniVocab(String model) {
        this.model = model;
    }

    /** Adds a token and returns its id. */
    int add(String text, float score, int type) {
        tokens.add(text);
        scores.add(score);
        types.add((long) type);
        return tokens.size() - 1;
    }

    int id(String text) {
        return tokens.indexOf(text);
    }

    MiniVocab set(String key, MetadataValue value) {
        extra.put(key, value);
        return this;
    }

    Metadata metadata() {
        Map<String, MetadataValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", MetadataValue.ofString(model));
        m.put("tokenizer.ggml.tokens", MetadataValue.ofArray(MetadataArray.ofStrings(tokens.toArray(String[]::new))));
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        m.put("tokenizer.ggml.scores", MetadataValue.ofArray(MetadataArray.ofFloats(s)));
        m.put("tokenizer.ggml.token_type", MetadataValue.ofArray(MetadataArray.ofIntegers(ValueType.INT32,
                types.stream().mapToLong(Long::longValue).toArray())));
        if (!merges.isEmpty()) {
            m.put("tokenizer.ggml.merges", MetadataValue.ofArray(MetadataArray.ofStrings(merges.toArray(String[]::new))));
        }
        m.putAll(extra);
        return new Metadata(m);
    }

    /** An SPM vocabulary: unk, BOS, EOS, the 256 byte tokens, then whatever the test adds. */
    static MiniVocab spm() {
        MiniVocab v = new MiniVocab("llama");
        v.add("<unk>", 0, 2);
        v.add("<s>", 0, 3);
        v.add("</s>", 0, 3);
        for (int b = 0; b < 256; b++) {
            v.add(String.format("<0x%02X>", b), 0, 6);
        }
        return v;
    }

    /** A byte-level BPE vocabulary: the 256 byte characters (ids = byte values), then whatever the test adds. */
    static MiniVocab bpe(String pre) {
        MiniVocab v = new MiniVocab("gpt2");
        for (int b = 0; b < 256; b++) {
            v.add(String.valueOf(ByteUnicode.charOf(b)), 0, 1);
        }
        if (pre != null) {
            v.set("tokenizer.ggml.pre", MetadataValue.ofString(pre));
        }
        return v;
    }
}
