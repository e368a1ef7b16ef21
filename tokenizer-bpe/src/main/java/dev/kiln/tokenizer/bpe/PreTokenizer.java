package dev.kiln.tokenizer.bpe;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the words BPE runs on, with a sequence of regular expressions applied as
 * llama.cpp's {@code unicode_regex_split} applies them: each expression splits every piece the
 * previous one produced, on its own (look-ahead stops at the piece's end), and text between
 * matches stays as a piece of its own, so nothing is ever dropped.
 */
final class PreTokenizer {
    /** Unicode White_Space, the set llama.cpp's {@code \s} stands for (java's {@code \s} is ASCII only). */
    private static final String WS = "\\t\\n\\x0B\\f\\r\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
    private static final String S = "[" + WS + "]";
    private static final String NOT_S = "[^" + WS + "]";

    /** GPT-2's expression, with the trailing {@code \s+} that llama.cpp's hand-written matcher also has. */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + WS + "\\p{L}\\p{N}]+|"
            + S + "+(?!" + NOT_S + ")|" + S + "+";

    /** Llama 3's expression; the case-insensitive contractions spelled out as llama.cpp does. */
    static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^" + WS + "\\p{L}\\p{N}]+[\\r\\n]*|"
            + S + "*[\\r\\n]+|" + S + "+(?!" + NOT_S + ")|" + S + "+";

    /** Qwen2's expression: Llama 3's with one digit per word. */
    static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^" + WS + "\\p{L}\\p{N}]+[\\r\\n]*|"
            + S + "*[\\r\\n]+|" + S + "+(?!" + NOT_S + ")|" + S + "+";

    /**
     * Mistral's Tekken expression as llama.cpp adapts it (its regex engine has no {@code \p{Lu}}):
     * an upper-case run is letters other than a-z, a lower-case run letters other than A-Z, so a
     * non-ASCII letter counts as either case and a combining mark as neither.
     */
    static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?(?:(?=\\p{L})[^a-z])*(?:(?=\\p{L})[^A-Z])+"
            + "|[^\\r\\n\\p{L}\\p{N}]?(?:(?=\\p{L})[^a-z])+(?:(?=\\p{L})[^A-Z])*"
            + "|\\p{N}| ?[^" + WS + "\\p{L}\\p{N}]+[\\r\\n/]*|" + S + "*[\\r\\n]+|" + S + "+(?!" + NOT_S + ")|" + S + "+";

    /** StarCoder's and SmolLM's: every digit on its own, then GPT-2's expression. */
    static final List<String> DIGITS_THEN_GPT2 = List.of("\\p{N}", GPT2);

    /** llama.cpp's fallback for BPE vocabularies whose pre-tokenizer is {@code default} or not stated. */
    static final List<String> DEFAULT = List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|]+",
            GPT2,
            "\\p{N}+",
            "[0-9][0-9][0-9]");

    private final List<Pattern> patterns;

    PreTokenizer(List<String> regexes) {
        this.patterns = regexes.stream().map(Pattern::compile).toList();
    }

    /** The words of {@code text}, in order; their concatenation is {@code text}. */
    List<String> split(String text) {
        // piece boundaries as offsets into text: piece i is [bounds[i], bounds[i+1])
        int[] bounds = {0, text.length()};
        int count = text.isEmpty() ? 0 : 1;
        for (Pattern pattern : patterns) {
            IntArray next = new IntArray(count * 2 + 2);
            next.add(0);
            for (int p = 0; p < count; p++) {
                int from = bounds[p];
                int to = bounds[p + 1];
                Matcher m = pattern.matcher(text).region(from, to);
                int last = from;
                while (m.find()) {
                    if (m.end() == m.start()) {
                        continue; // an empty match splits nothing
                    }
                    if (m.start() > last) {
                        next.add(m.start());
                    }
                    next.add(m.end());
                    last = m.end();
                }
                if (last < to) {
                    next.add(to);
                }
            }
            bounds = next.values();
            count = next.size() - 1;
        }
        List<String> words = new ArrayList<>(count);
        for (int p = 0; p < count; p++) {
            words.add(text.substring(bounds[p], bounds[p + 1]));
        }
        return words;
    }

    /** Growable int array for the piece boundaries. */
    private static final class IntArray {
        private int[] values;
        private int size;

        IntArray(int capacity) {
            values = new int[Math.max(2, capacity)];
        }

        void add(int v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        int[] values() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
