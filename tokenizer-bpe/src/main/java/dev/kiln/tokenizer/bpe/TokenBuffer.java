package dev.kiln.tokenizer.bpe;

import java.util.Arrays;

/** A growable list of token ids, so encoding does not box every id. */
final class TokenBuffer {
    private int[] ids;
    private int size;

    TokenBuffer(int capacity) {
        ids = new int[Math.max(4, capacity)];
    }

    void add(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, ids.length * 2);
        }
        ids[size++] = id;
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(ids, size);
    }
}
