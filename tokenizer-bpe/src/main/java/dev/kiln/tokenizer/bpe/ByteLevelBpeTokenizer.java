package dev.kiln.tokenizer.bpe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model = gpt2}), as llama.cpp's {@code llm_tokenizer_bpe}:
 * the pre-tokenizer splits text into words, each word's UTF-8 bytes become GPT-2 byte
 * characters, and adjacent symbols are merged by the lowest-ranked rule of
 * {@code tokenizer.ggml.merges} (leftmost on ties) until no rule applies. With
 * {@code ignoreMerges} (Llama 3) a word that is itself a token is taken whole.
 *
 * <p>Rules are looked up by their own text ({@code "left right"}): byte characters never
 * contain a space, so the text names the pair exactly, and nothing has to be split or resolved
 * per rule at load time (Llama 3 has 280k).
 */
final class ByteLevelBpeTokenizer extends VocabTokenizer {
    static final String MERGES = "tokenizer.ggml.merges";

    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;
    private final TextIndex ranks;

    ByteLevelBpeTokenizer(Vocabulary vocab, String[] mergeRules, PreTokenizer preTokenizer, boolean ignoreMerges) {
        super(vocab);
        this.preTokenizer = preTokenizer;
        this.ignoreMerges = ignoreMerges;
        ranks = new TextIndex(mergeRules);
    }

    @Override
    boolean stripsPrefixSpace() {
        return false;
    }

    /** A candidate merge of symbols {@code left} and {@code right}, {@code length} chars together. */
    private record Bigram(int left, int right, int rank, int length) {
    }

    @Override
    void encodeText(String fragment, boolean afterSpecial, TokenBuffer out) {
        for (String word : preTokenizer.split(fragment)) {
            encodeWord(byteString(word.getBytes(StandardCharsets.UTF_8)), out);
        }
    }

    /** Merges one word, given as GPT-2 byte characters (one char per byte). */
    private void encodeWord(String word, TokenBuffer out) {
        int n = word.length();
        if (n == 0) {
            return;
        }
        if (ignoreMerges) {
            int whole = vocab.idOf(word);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        // symbols: a doubly linked list of char ranges; a symbol only ever absorbs its right
        // neighbour, so symbol i starts at char i and only its length changes
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            length[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(n, (a, b) -> {
            int byRank = Integer.compare(a.rank, b.rank);
            return byRank != 0 ? byRank : Integer.compare(a.left, b.left);
        });
        for (int i = 1; i < n; i++) {
            offer(queue, word, length, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left;
            int right = bigram.right;
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.length) {
                continue; // made stale by an earlier merge
            }
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, word, length, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(queue, word, length, left, next[left]);
            }
        }
        for (int i = 0; i != -1; i = next[i]) {
            String symbol = word.substring(i, i + length[i]);
            int id = vocab.idOf(symbol);
            if (id >= 0) {
                out.add(id);
                continue;
            }
            // not a token: llama.cpp tries each byte of the symbol's UTF-8 text on its own
            for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                int single = b >= 0 ? vocab.idOf(String.valueOf((char) b)) : -1;
                if (single >= 0) {
                    out.add(single);
                }
            }
        }
    }

    private void offer(PriorityQueue<Bigram> queue, String word, int[] length, int left, int right) {
        int mid = left + length[left];
        int end = mid + length[right];
        int rank = ranks.indexOf(word.substring(left, mid) + ' ' + word.substring(mid, end));
        if (rank >= 0) {
            queue.add(new Bigram(left, right, rank, end - left));
        }
    }

    /** {@code bytes} as GPT-2 byte characters. */
    private static String byteString(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = ByteUnicode.charOf(bytes[i]);
        }
        return new String(chars);
    }

    @Override
    byte[] normalPiece(String tokenText) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(tokenText.length());
        for (int i = 0; i < tokenText.length(); ) {
            int cp = tokenText.codePointAt(i);
            int b = ByteUnicode.byteOf(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                // not a byte character (a malformed vocabulary): print the character itself
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
            }
            i += Character.charCount(cp);
        }
        return out.toByteArray();
    }
}
