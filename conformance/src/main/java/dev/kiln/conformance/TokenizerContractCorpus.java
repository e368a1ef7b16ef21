package dev.kiln.conformance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The texts {@link TokenizerContract} round-trips: scripts, emoji, combining marks, right-to-left
 * text, whitespace runs, control characters, the empty string and one long input.
 *
 * <p>No text contains U+2581 (▁): SentencePiece vocabularies use it to stand for a space, so
 * llama.cpp decodes it as one, and a round trip through such a vocabulary cannot keep it.
 */
final class TokenizerContractCorpus {
    /** Length of the long input in chars: long enough to catch quadratic work, short enough for 2 cores. */
    static final int LONG_LENGTH = 40_000;

    private TokenizerContractCorpus() {
    }

    /** Name → text, in a fixed order. */
    static Map<String, String> texts() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("empty string", "");
        t.put("ascii words", "Hello world");
        t.put("leading space", " Hello");
        t.put("single space", " ");
        t.put("single newline", "\n");
        t.put("single tab", "\t");
        t.put("punctuation", "Hello, world! How's it going? (fine) [ok] {x} <tag> a+b=c 100% $5 #1 @me ... \"quoted\" 'single' `tick`");
        t.put("spaces before punctuation", "a . b , c ! d ? e ' f 's g 're h 've");
        t.put("digits", "3 33 333 3333 33333 1234567890 3.14159 1,000,000 007");
        t.put("contractions", "I'm you're we've they'll she'd it's don't I'M YOU'RE 'tis");
        t.put("CJK", "你好，世界！这是一个测试。日本語のテキスト、カタカナとひらがな。한국어 텍스트입니다.");
        t.put("emoji", "🚀 🦙🔥 ✅ ❤️ 🇩🇪 🫠");
        t.put("emoji skin tones", "👍🏽 👋🏻 👩🏿‍🦱 🤝🏼");
        t.put("emoji ZWJ sequences", "👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 😶‍🌫️ 🧑‍🤝‍🧑");
        t.put("combining marks", "e\u0301 a\u0308 n\u0303 o\u0302\u0323 Z\u0351\u0332a\u0315l\u0327g\u035Co \u0915\u094D\u0937\u093F");
        t.put("Thai and Devanagari", "สวัสดีครับ नमस्ते दुनिया");
        t.put("right-to-left", "שלום עולם مرحبا بالعالم \u200Fabc\u200E 123");
        t.put("mixed scripts", "Ελληνικά Русский Tiếng Việt Cửa Việt ğüşıöç Ñandú Straße");
        t.put("whitespace runs", "a  b   c    d\t\te\n\nf \n \n g\r\n h   \t\n  ");
        t.put("leading and trailing whitespace", "   start and end   ");
        t.put("only whitespace", " \t \n\n   \r\n ");
        t.put("tabs and newlines", "\tfoo\n\tbar\n\n\n\t\t\tbaz");
        t.put("many spaces", "x" + " ".repeat(37) + "y" + " ".repeat(64));
        t.put("control characters", "\u0000\u0001\u0007\u0008\u001B[31mred\u001B[0m\u007F\u0085\u200B\u200D\uFEFF\u00AD");
        t.put("unicode whitespace", "a\u00A0b\u2003c\u3000d\u2028e\u2029f\u202Fg\u1680h");
        t.put("code", "def f(x):\n    return x ** 2  # square\n\nif __name__ == '__main__':\n\tprint(f(3))\n");
        t.put("symbols", "∀x∈ℝ: x² ≥ 0 ∑ ∫ √ ≠ ≈ ∞ € £ ¥ © ® ™ § ¶ • … — – ½ ⅓ Ⅻ");
        t.put("supplementary planes", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕏 𠜎𠜱𠝹 𓀀 🀄");
        t.put("long input", longInput(t));
        return t;
    }

    private static String longInput(Map<String, String> parts) {
        List<String> pieces = new ArrayList<>(parts.values());
        StringBuilder sb = new StringBuilder(LONG_LENGTH + 200);
        for (int i = 0; sb.length() < LONG_LENGTH; i++) {
            sb.append(pieces.get(i % pieces.size()));
            sb.append(i % 7 == 0 ? "\n" : i % 3 == 0 ? "  " : " ");
        }
        return sb.toString();
    }
}
