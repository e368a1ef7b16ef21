package dev.kiln.runtime.quantize;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The order llama.cpp's model loader keeps tensors in ({@code weight_name_comparer}): by block
 * number ({@code blk.N.}, tensors outside a block first), then by name byte by byte.
 * llama-quantize writes its output in this order and counts the {@code attn_v} and
 * {@code ffn_down} layers of its mixes in it, so Kiln's quantizer does both alike.
 */
public final class TensorOrder {

    /** Compares tensor names as llama.cpp's loader does. */
    public static final Comparator<String> LLAMA = TensorOrder::compare;

    private TensorOrder() {
    }

    private static int compare(String a, String b) {
        int byLayer = Integer.compare(layerOf(a), layerOf(b));
        if (byLayer != 0) {
            return byLayer;
        }
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** The block number of a {@code blk.N.…} name ({@code sscanf("blk.%d.")}), else -1. */
    public static int layerOf(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        int i = 4;
        boolean negative = false;
        if (i < name.length() && (name.charAt(i) == '-' || name.charAt(i) == '+')) {
            negative = name.charAt(i) == '-';
            i++;
        }
        int start = i;
        long value = 0;
        while (i < name.length() && name.charAt(i) >= '0' && name.charAt(i) <= '9') {
            value = Math.min(value * 10 + (name.charAt(i) - '0'), Integer.MAX_VALUE);
            i++;
        }
        if (i == start) {
            return -1;
        }
        return (int) (negative ? -value : value);
    }
}
