package dev.kiln.tokenizer.bpe;

/**
 * The rank of each BPE merge rule, looked up by the rule's text ({@code "left right"}).
 * An open-addressing table of indexes into the rule array itself: building it costs one hash
 * per rule and no allocation per rule, which matters for Llama 3's 280k rules at load time.
 */
final class MergeRanks {
    private final String[] rules;
    /** rank + 1 of the rule in each slot; 0 marks an empty slot. */
    private final int[] slots;
    private final int mask;

    MergeRanks(String[] rules) {
        this.rules = rules;
        int capacity = Integer.highestOneBit(Math.max(16, rules.length * 2 - 1)) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
        for (int rank = 0; rank < rules.length; rank++) {
            String rule = rules[rank];
            int i = spread(rule.hashCode()) & mask;
            while (true) {
                if (slots[i] == 0) {
                    slots[i] = rank + 1;
                    break;
                }
                if (rules[slots[i] - 1].equals(rule)) {
                    break; // a repeated rule keeps its first (lowest) rank, as in llama.cpp
                }
                i = (i + 1) & mask;
            }
        }
    }

    private static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** The rank of the rule {@code text}, or -1. */
    int rank(String text) {
        int i = spread(text.hashCode()) & mask;
        while (slots[i] != 0) {
            if (rules[slots[i] - 1].equals(text)) {
                return slots[i] - 1;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

}
