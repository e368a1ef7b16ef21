package dev.kiln.tokenizer.bpe;

import dev.kiln.api.format.Metadata;
import java.util.List;

/**
 * The strip attributes llama.cpp gives special tokens by model name, since GGUF files do not
 * carry them: in a vocabulary whose {@code general.name} contains {@code phi-3} or {@code phi3}
 * (any case), whitespace after every special token except {@code <unk>}, {@code <s>} and
 * {@code <|endoftext|>} is dropped, as Phi-3's tokenizer does with {@code rstrip}. (llama.cpp's
 * other rules, for {@code <mask>} in BERT-style vocabularies, concern vocabularies Kiln refuses.)
 */
final class StripRules {
    static final String NAME = "general.name";
    private static final List<String> PHI3_NAMES = List.of("phi-3", "phi3");
    private static final List<String> PHI3_KEPT = List.of("<unk>", "<s>", "<|endoftext|>");

    private StripRules() {
    }

    /** Sets the strip bits in {@code attrs} that llama.cpp would set for this file. */
    static void apply(Metadata md, int[] attrs, int[] specialTokens, TextIndex ids) {
        String name = asciiLowerCase(md.findString(NAME).orElse(""));
        if (PHI3_NAMES.stream().noneMatch(name::contains)) {
            return;
        }
        for (int id : specialTokens) {
            attrs[id] |= TokenAttr.RSTRIP;
        }
        int end = ids.indexOf("</s>");
        if (end >= 0) {
            attrs[end] |= TokenAttr.RSTRIP;
        }
        for (String kept : PHI3_KEPT) {
            int id = ids.indexOf(kept);
            if (id >= 0) {
                attrs[id] &= ~TokenAttr.RSTRIP;
            }
        }
    }

    /** Lower case for ASCII letters only, as C's {@code tolower} in the "C" locale. */
    private static String asciiLowerCase(String s) {
        char[] chars = s.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'A' && chars[i] <= 'Z') {
                chars[i] += 'a' - 'A';
            }
        }
        return new String(chars);
    }
}
