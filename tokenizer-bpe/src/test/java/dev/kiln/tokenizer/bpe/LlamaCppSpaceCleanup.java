package dev.kiln.tokenizer.bpe;

import java.nio.charset.StandardCharsets;

/**
 * A model of llama.cpp's {@code clean_spaces} pass in {@code detokenize} (Hugging Face's
 * {@code clean_up_tokenization_spaces}), which Kiln's decode deliberately does not apply; the
 * reference test applies it to Kiln's output to compare with llama.cpp's. Three passes over the
 * bytes: drop a space before {@code ? ! . ,}; drop the spaces around a lone {@code '}; drop the
 * space before {@code 's 'm 're 've}.
 */
final class LlamaCppSpaceCleanup {
    private LlamaCppSpaceCleanup() {
    }

    static String apply(String s) {
        byte[] t = s.getBytes(StandardCharsets.UTF_8);
        int total = t.length;
        int n1 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < n1; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            t[total++] = x;
        }
        int n2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < n2; i++) {
            byte x = t[i];
            if (x == '\'' && i + 1 < n2 && t[i - 1] == ' ' && t[i + 1] == ' ') {
                total--;
                t[++i] = 0;
            }
            t[total++] = x;
        }
        int n3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < n3; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < n3) {
                byte x1 = t[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (i + 2 < n3) {
                    byte x2 = t[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        total--;
                    }
                }
            }
            t[total++] = x;
        }
        return new String(t, 0, total, StandardCharsets.UTF_8);
    }
}
