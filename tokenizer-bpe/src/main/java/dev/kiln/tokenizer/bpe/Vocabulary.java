package dev.kiln.tokenizer.bpe;

import dev.kiln.api.KilnException;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code tokenizer.ggml.*} vocabulary of one file: token texts, scores and attributes, the
 * special ids and the BOS/EOS policy, resolved with llama.cpp's rules (its per-model defaults,
 * out-of-range ids ignored, end-of-generation and control tokens also recognised by text).
 * Immutable once built.
 */
final class Vocabulary {
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
    static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";

    /** The values llama.cpp assumes for a tokenizer model when the file does not say. */
    record Defaults(int bos, int eos, int unk, boolean addBos, boolean addEos, boolean addSpacePrefix) {
    }

    // Texts that mark a token as end-of-generation (llama.cpp's list), in the order we prefer them as EOT.
    private static final List<String> EOT_TEXTS = List.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
            "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final Set<String> EOG_TEXTS = Set.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
            "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
            "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<｜end▁of▁sentence｜>", "[e~[");
    private static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    private static final List<List<String>> FIM_OTHER_TEXTS = List.of(
            List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"),
            List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"),
            List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"));
    /** Out-of-range special ids and token types load, as in llama.cpp, but not silently. */
    private static final System.Logger LOG = System.getLogger(Vocabulary.class.getPackageName());

    // gpt-oss renders these even though they are marked special (llama.cpp does the same)
    private static final Set<String> ALWAYS_RENDERED = Set.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>");

    final String[] texts;
    final float[] scores;
    final int[] attrs;
    final TextIndex ids;
    final int bos;
    final int eos;
    final int unk;
    final boolean addBos;
    final boolean addEos;
    final boolean addSpacePrefix;
    final BitSet endOfGeneration;
    /** CONTROL, USER_DEFINED and UNKNOWN tokens, longest text first: the order special text is split out. */
    final int[] specialTokens;

    private Vocabulary(Metadata md, Defaults defaults) {
        texts = md.getStringArray(TOKENS).clone();
        int n = texts.length;
        if (n == 0) {
            throw new MetadataException(TOKENS, "is empty");
        }
        scores = readScores(md, n);
        attrs = readAttrs(md, n);
        for (int i = 0; i < n; i++) {
            if (texts[i].isEmpty()) {
                texts[i] = "[EMPTY_" + i + "]"; // as llama.cpp: an empty text would match everywhere
            }
        }
        ids = new TextIndex(texts);
        int repeat = ids.firstRepeat();
        if (repeat >= 0) {
            throw new MetadataException(TOKENS, "has the duplicate token '" + texts[repeat] + "' at ids " + ids.indexOf(texts[repeat]) + " and " + repeat);
        }
        bos = specialId(md, "tokenizer.ggml.bos_token_id", defaults.bos(), n);
        eos = specialId(md, "tokenizer.ggml.eos_token_id", defaults.eos(), n);
        unk = specialId(md, "tokenizer.ggml.unknown_token_id", defaults.unk(), n);
        int eot = specialId(md, "tokenizer.ggml.eot_token_id", -1, n);
        int eom = specialId(md, "tokenizer.ggml.eom_token_id", -1, n);
        int fimPad = specialId(md, "tokenizer.ggml.fim_pad_token_id", -1, n);
        int fimRep = specialId(md, "tokenizer.ggml.fim_rep_token_id", -1, n);
        int fimSep = specialId(md, "tokenizer.ggml.fim_sep_token_id", -1, n);
        addBos = md.getBoolean(ADD_BOS, defaults.addBos());
        addEos = md.getBoolean(ADD_EOS, defaults.addEos());
        addSpacePrefix = md.getBoolean(ADD_SPACE_PREFIX, defaults.addSpacePrefix());
        if (addBos && bos < 0) {
            throw new MetadataException(ADD_BOS, "is true, but tokenizer.ggml.bos_token_id is not set");
        }
        if (addEos && eos < 0) {
            throw new MetadataException(ADD_EOS, "is true, but tokenizer.ggml.eos_token_id is not set");
        }

        // Tokens recognised by their text become CONTROL, as in llama.cpp.
        if (eot < 0) {
            eot = firstPresent(EOT_TEXTS);
            markControl(eot);
        }
        if (eom < 0) {
            eom = firstPresent(List.of("<|eom_id|>"));
            markControl(eom);
        }
        if (fimPad < 0) {
            fimPad = firstPresent(FIM_PAD_TEXTS);
            markControl(fimPad);
        }
        if (fimRep < 0) {
            fimRep = firstPresent(FIM_REP_TEXTS);
            markControl(fimRep);
        }
        if (fimSep < 0) {
            fimSep = firstPresent(FIM_SEP_TEXTS);
            markControl(fimSep);
        }
        for (List<String> fim : FIM_OTHER_TEXTS) {
            markControl(firstPresent(fim)); // one token per kind, as llama.cpp finds it
        }
        for (int i = 0; i < n; i++) {
            if ((attrs[i] & TokenAttr.CONTROL) != 0 && texts[i].contains("unused")) {
                attrs[i] |= TokenAttr.UNUSED;
            }
        }
        endOfGeneration = new BitSet(n);
        for (int id : new int[] {fimPad, fimRep, fimSep, eos, eot, eom}) {
            if (id >= 0) {
                endOfGeneration.set(id);
            }
        }
        for (String text : EOG_TEXTS) {
            int id = ids.indexOf(text);
            if (id >= 0) {
                endOfGeneration.set(id);
                markControl(id);
            }
        }
        for (String text : ALWAYS_RENDERED) {
            int id = ids.indexOf(text);
            if (id >= 0) {
                attrs[id] = TokenAttr.USER_DEFINED;
            }
        }
        // o200k_harmony / solar-open: "<|end|>" ends a message, not generation
        if (has("<|end|>") && ((has("<|return|>") && has("<|call|>")) || (has("<|calls|>") && has("<|flush|>")))) {
            int end = ids.indexOf("<|end|>");
            endOfGeneration.clear(end);
            attrs[end] = TokenAttr.USER_DEFINED;
        }
        specialTokens = collectSpecialTokens();
        StripRules.apply(md, attrs, specialTokens, ids);
    }

    /** Reads the vocabulary from {@code md}; a missing or malformed key is a {@link KilnException} naming it. */
    static Vocabulary load(Metadata md, Defaults defaults) {
        return new Vocabulary(md, defaults);
    }

    int size() {
        return texts.length;
    }

    boolean has(String text) {
        return ids.contains(text);
    }

    int idOf(String text) {
        return ids.indexOf(text);
    }

    boolean isValid(int id) {
        return id >= 0 && id < texts.length;
    }

    void checkId(int id) {
        if (!isValid(id)) {
            throw new KilnException("token id " + id + " is outside the vocabulary of " + texts.length + " tokens");
        }
    }

    private void markControl(int id) {
        if (id >= 0) {
            attrs[id] |= TokenAttr.CONTROL;
        }
    }

    private int firstPresent(List<String> candidates) {
        for (String text : candidates) {
            int id = ids.indexOf(text);
            if (id >= 0) {
                return id;
            }
        }
        return -1;
    }

    private int[] collectSpecialTokens() {
        List<Integer> special = new ArrayList<>();
        for (int i = 0; i < attrs.length; i++) {
            if ((attrs[i] & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) != 0) {
                special.add(i);
            }
        }
        // longest UTF-8 text first (llama.cpp compares byte lengths), so a token is split out before
        // a shorter one inside it; ties by id, for a deterministic order
        int[] utf8Length = new int[texts.length];
        for (int id : special) {
            utf8Length[id] = texts[id].getBytes(StandardCharsets.UTF_8).length;
        }
        special.sort((a, b) -> utf8Length[a] != utf8Length[b] ? Integer.compare(utf8Length[b], utf8Length[a]) : Integer.compare(a, b));
        return special.stream().mapToInt(Integer::intValue).toArray();
    }

    private static float[] readScores(Metadata md, int n) {
        Optional<?> present = md.find(SCORES);
        if (present.isEmpty()) {
            return new float[n];
        }
        MetadataArray array = md.getArray(SCORES);
        float[] scores = switch (array.values()) {
            case float[] f -> f;
            case long[] l -> {
                float[] f = new float[l.length];
                for (int i = 0; i < l.length; i++) {
                    f[i] = l[i];
                }
                yield f;
            }
            default -> throw new MetadataException(SCORES, "is an array of " + array.elementType() + ", expected FLOAT32 or INT32");
        };
        if (scores.length < n) {
            throw new MetadataException(SCORES, "has " + scores.length + " entries for " + n + " tokens");
        }
        return Arrays.copyOf(scores, n);
    }

    private static int[] readAttrs(Metadata md, int n) {
        int[] attrs = new int[n];
        if (!md.contains(TOKEN_TYPE)) {
            Arrays.fill(attrs, TokenAttr.NORMAL);
            return attrs;
        }
        MetadataArray array = md.getArray(TOKEN_TYPE);
        if (!(array.values() instanceof long[] types)) {
            throw new MetadataException(TOKEN_TYPE, "is an array of " + array.elementType() + ", expected INT32");
        }
        if (types.length < n) {
            throw new MetadataException(TOKEN_TYPE, "has " + types.length + " entries for " + n + " tokens");
        }
        int unknown = 0;
        int first = -1;
        for (int i = 0; i < n; i++) {
            attrs[i] = TokenAttr.fromTokenType(types[i]);
            if (!TokenAttr.isTokenType(types[i])) {
                unknown++;
                first = first < 0 ? i : first;
            }
        }
        if (unknown > 0) {
            LOG.log(System.Logger.Level.WARNING, TOKEN_TYPE + " has " + unknown + " value" + (unknown == 1 ? "" : "s")
                    + " outside the token types 0-6 (first: token " + first + " is " + types[first] + "); treated as undefined");
        }
        return attrs;
    }

    /**
     * A special id from {@code key}, or the default. An id outside the vocabulary is ignored with
     * a warning, as llama.cpp does ("bad special token").
     */
    private static int specialId(Metadata md, String key, int defaultId, int n) {
        int id = defaultId >= 0 && defaultId < n ? defaultId : -1;
        Optional<Long> value = md.findLong(key);
        if (value.isPresent() && value.get() >= 0 && value.get() < n) {
            id = (int) (long) value.get();
        } else if (value.isPresent() && value.get() != -1) { // -1 is how converters say "none"
            LOG.log(System.Logger.Level.WARNING, key + " is " + value.get() + ", outside the vocabulary of " + n
                    + " tokens; " + (id >= 0 ? "using " + id + " instead" : "the model has none"));
        }
        return id;
    }
}
