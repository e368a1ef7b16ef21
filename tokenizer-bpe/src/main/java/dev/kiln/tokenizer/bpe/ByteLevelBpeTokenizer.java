package dev.kiln.tokenizer.bpe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model = gpt2}), as llama.cpp's {@code llm_tokenizer_bpe}:
 * the pre-tokenizer splits text into words, each word's UTF-8 bytes become GPT-2 byte
 * characters, and adjacent symbols are merged by the lowest-ranked rule of
 * {@code tokenizer.ggml.merges} (leftmost on ties) until no rule applies. With
 * {@code ignoreMerges} (Llama 3) a word that is itself a token is taken whole.
 *
 * <p>Symbols are numbered: vocabulary ids, then ids past the vocabulary for strings that occur
 * only in merge rules, so merging compares ints, not strings.
 */
final class ByteLevelBpeTokenizer extends VocabTokenizer {
    static final String MERGES = "tokenizer.ggml.merges";

    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;
    private final MergeTable merges;
    /** The symbol of each single byte (its GPT-2 character), or -1. */
    private final int[] byteSymbols = new int[256];

    ByteLevelBpeTokenizer(Vocabulary vocab, String[] mergeRules, PreTokenizer preTokenizer, boolean ignoreMerges) {
        super(vocab);
        this.preTokenizer = preTokenizer;
        this.ignoreMerges = ignoreMerges;
        Map<String, Integer> extra = new HashMap<>();
        merges = new MergeTable(mergeRules.length);
        for (int rank = 0; rank < mergeRules.length; rank++) {
            String rule = mergeRules[rank];
            int space = rule.indexOf(' ', 1);
            if (space < 0) {
                continue; // llama.cpp keeps it as ("", "") which can never match
            }
            String left = rule.substring(0, space);
            String right = rule.substring(space + 1);
            merges.putIfAbsent(symbol(left, extra), symbol(right, extra), rank, symbol(left + right, extra));
        }
        for (int b = 0; b < 256; b++) {
            String c = String.valueOf(ByteUnicode.charOf(b));
            int id = vocab.idOf(c);
            byteSymbols[b] = id >= 0 ? id : extra.getOrDefault(c, -1);
        }
    }

    private int symbol(String text, Map<String, Integer> extra) {
        int id = vocab.idOf(text);
        if (id >= 0) {
            return id;
        }
        return extra.computeIfAbsent(text, t -> vocab.size() + extra.size());
    }

    @Override
    boolean stripsPrefixSpace() {
        return false;
    }

    /** A candidate merge of symbols {@code left} and {@code right}, valid while they still hold these ids. */
    private record Bigram(int left, int right, int leftId, int rightId, int rank, int merged) {
    }

    @Override
    void encodeText(String fragment, boolean afterSpecial, TokenBuffer out) {
        for (String word : preTokenizer.split(fragment)) {
            encodeWord(word.getBytes(StandardCharsets.UTF_8), out);
        }
    }

    private void encodeWord(byte[] bytes, TokenBuffer out) {
        int n = bytes.length;
        if (n == 0) {
            return;
        }
        if (ignoreMerges) {
            int whole = vocab.idOf(byteString(bytes, 0, n));
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        // symbols: a doubly linked list of byte ranges, one byte each to start with
        int[] ids = new int[n];
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = byteSymbols[bytes[i] & 0xFF];
            length[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(n, (a, b) -> {
            int byRank = Integer.compare(a.rank, b.rank);
            return byRank != 0 ? byRank : Integer.compare(a.left, b.left);
        });
        for (int i = 1; i < n; i++) {
            offer(queue, ids, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left;
            int right = bigram.right;
            if (length[left] == 0 || length[right] == 0 || ids[left] != bigram.leftId || ids[right] != bigram.rightId) {
                continue; // made stale by an earlier merge
            }
            ids[left] = bigram.merged;
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, ids, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(queue, ids, left, next[left]);
            }
        }
        for (int i = 0; i != -1; i = next[i]) {
            // symbols only ever absorb their right neighbour, so symbol i covers bytes [i, i + length[i])
            int id = ids[i];
            if (id >= 0 && id < vocab.size()) {
                out.add(id);
                continue;
            }
            // not a token: llama.cpp tries each byte of the symbol's text on its own
            String text = byteString(bytes, i, length[i]);
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                int single = b >= 0 ? vocab.idOf(String.valueOf((char) b)) : -1;
                if (single >= 0) {
                    out.add(single);
                }
            }
        }
    }

    private void offer(PriorityQueue<Bigram> queue, int[] ids, int left, int right) {
        int leftId = ids[left];
        int rightId = ids[right];
        if (leftId < 0 || rightId < 0) {
            return;
        }
        long rule = merges.find(leftId, rightId);
        if (rule >= 0) {
            queue.add(new Bigram(left, right, leftId, rightId, (int) (rule >>> 32), (int) rule));
        }
    }

    /** {@code bytes[from, from + len)} as GPT-2 byte characters. */
    private static String byteString(byte[] bytes, int from, int len) {
        char[] chars = new char[len];
        for (int i = 0; i < len; i++) {
            chars[i] = ByteUnicode.charOf(bytes[from + i]);
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
