package dev.kiln.tokenizer.bpe;

/**
 * The position of each text in an array, looked up by the text: token ids by token text, merge
 * ranks by rule ({@code "left right"}). An open-addressing table of indexes into the array itself:
 * building it costs one hash per text and no allocation per text, and it holds 4 bytes per slot
 * where a {@code HashMap<String, Integer>} held a node and a boxed integer per entry (~7 MB for a
 * 128k-token vocabulary; Llama 3's 280k merge rules are built at every load).
 * A repeated text keeps its first (lowest) position, as llama.cpp's maps do.
 */
final class TextIndex {
    private final String[] texts;
    /** Position + 1 of the text in each slot; 0 marks an empty slot. */
    private final int[] slots;
    private final int mask;
    private final int firstRepeat;

    TextIndex(String[] texts) {
        this.texts = texts;
        int capacity = Integer.highestOneBit(Math.max(16, texts.length * 2 - 1)) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
        int repeat = -1;
        for (int position = 0; position < texts.length; position++) {
            String text = texts[position];
            int i = spread(text.hashCode()) & mask;
            while (true) {
                if (slots[i] == 0) {
                    slots[i] = position + 1;
                    break;
                }
                if (texts[slots[i] - 1].equals(text)) {
                    repeat = repeat < 0 ? position : repeat;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        firstRepeat = repeat;
    }

    private static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** The first position of {@code text}, or -1. */
    int indexOf(String text) {
        int i = spread(text.hashCode()) & mask;
        while (slots[i] != 0) {
            if (texts[slots[i] - 1].equals(text)) {
                return slots[i] - 1;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    boolean contains(String text) {
        return indexOf(text) >= 0;
    }

    /** The first position whose text appeared earlier in the array, or -1 if every text is distinct. */
    int firstRepeat() {
        return firstRepeat;
    }
}
