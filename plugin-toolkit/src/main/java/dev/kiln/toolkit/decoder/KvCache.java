package dev.kiln.toolkit.decoder;

import java.util.Arrays;

/**
 * One layer's keys and values, {@code [position][kvHeads × headDim]}. Values are rounded
 * through IEEE half precision because llama.cpp keeps its KV cache in F16 by default; storing
 * the same rounded values is what keeps our logits within float noise of llama.cpp's instead of
 * 0.005-0.02 away. Capacity grows as positions are used, up to the session's context length.
 */
final class KvCache {
    private final int width;
    private final int maxPositions;
    private float[] keys;
    private float[] values;

    KvCache(int width, int maxPositions) {
        this.width = width;
        this.maxPositions = maxPositions;
        int initial = Math.min(maxPositions, 64);
        this.keys = new float[initial * width];
        this.values = new float[initial * width];
    }

    float[] keys() {
        return keys;
    }

    float[] values() {
        return values;
    }

    /** Makes room for positions {@code 0 .. positions - 1}. */
    void reserve(int positions) {
        int capacity = keys.length / width;
        if (positions <= capacity) {
            return;
        }
        int grown = (int) Math.min(maxPositions, Math.max((long) positions, 2L * capacity));
        keys = Arrays.copyOf(keys, grown * width);
        values = Arrays.copyOf(values, grown * width);
    }

    /** Stores {@code count} rows of keys and values for positions {@code firstPos ..}, rounded to F16. */
    void store(float[] k, float[] v, int firstPos, int count) {
        int base = firstPos * width;
        for (int i = 0; i < count * width; i++) {
            keys[base + i] = Float.float16ToFloat(Float.floatToFloat16(k[i]));
            values[base + i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
        }
    }
}
