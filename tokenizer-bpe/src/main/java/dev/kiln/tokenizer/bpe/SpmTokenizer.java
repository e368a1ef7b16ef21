package dev.kiln.tokenizer.bpe;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE ({@code tokenizer.ggml.model = llama}), as llama.cpp's
 * {@code llm_tokenizer_spm}: spaces become ▁ (U+2581), a ▁ is put in front of text that starts
 * the input or follows a special token (when {@code add_space_prefix}), then adjacent symbols
 * are merged greedily, highest-scoring vocabulary entry first (leftmost on ties), starting
 * from single characters. A character no token covers falls back to its UTF-8 bytes as
 * {@code <0xNN>} tokens.
 */
final class SpmTokenizer extends VocabTokenizer {
    static final char SPACE_MARK = '\u2581';

    /** The token for each byte value ({@code <0xNN>}, else the one-character token), or -1. */
    private final int[] byteTokens = new int[256];

    SpmTokenizer(Vocabulary vocab) {
        super(vocab);
        for (int b = 0; b < 256; b++) {
            int id = vocab.idOf(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = vocab.idOf(String.valueOf((char) b));
            }
            byteTokens[b] = id;
        }
    }

    @Override
    boolean stripsPrefixSpace() {
        return vocab.addSpacePrefix;
    }

    /** A candidate merge of symbols {@code left} and {@code right} into a token of {@code length} chars. */
    private record Bigram(int left, int right, float score, int length) {
    }

    @Override
    void encodeText(String fragment, boolean afterSpecial, TokenBuffer out) {
        String text = (vocab.addSpacePrefix && afterSpecial ? " " + fragment : fragment).replace(' ', SPACE_MARK);
        int n = text.codePointCount(0, text.length());
        if (n == 0) {
            return;
        }
        // the symbols: a doubly linked list of char ranges of text, one code point each to start with
        int[] start = new int[n];
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            int cp = text.codePointAt(pos);
            start[i] = pos;
            length[i] = Character.charCount(cp);
            pos += length[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(Math.max(1, n), (a, b) -> {
            int byScore = Float.compare(b.score, a.score);
            return byScore != 0 ? byScore : Integer.compare(a.left, b.left);
        });
        for (int i = 1; i < n; i++) {
            offer(queue, text, start, length, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left;
            int right = bigram.right;
            // skip candidates made stale by an earlier merge
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.length) {
                continue;
            }
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, text, start, length, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(queue, text, start, length, left, next[left]);
            }
        }
        for (int i = 0; i != -1; i = next[i]) {
            String symbol = text.substring(start[i], start[i] + length[i]);
            int id = vocab.idOf(symbol);
            if (id >= 0) {
                out.add(id);
                continue;
            }
            for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                int byteId = byteTokens[b & 0xFF];
                if (byteId >= 0) {
                    out.add(byteId);
                } else if (vocab.unk >= 0) {
                    out.add(vocab.unk); // no byte token for it: the vocabulary cannot say it
                }
            }
        }
    }

    private void offer(PriorityQueue<Bigram> queue, String text, int[] start, int[] length, int left, int right) {
        int len = length[left] + length[right];
        int id = vocab.idOf(text.substring(start[left], start[left] + len));
        if (id >= 0) {
            queue.add(new Bigram(left, right, vocab.scores[id], len));
        }
    }

    @Override
    byte[] normalPiece(String tokenText) {
        return tokenText.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
    }
}
