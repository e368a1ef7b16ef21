package dev.kiln.toolkit.decoder;

import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;

/**
 * Which layers of a sliding-window model attend through the window, as llama.cpp decides it:
 * {@code ARCH.attention.sliding_window_pattern} as an array is one flag per layer (non-zero:
 * sliding); as a number {@code N} (or, without the key, the architecture's default) every
 * {@code N}th layer is dense and the others slide: layer {@code l} slides when
 * {@code l % N < N - 1} (Gemma 2: N = 2, even layers slide; Gemma 3: N = 6, five local to one
 * global). {@code N = 0} makes every layer slide.
 */
public final class SlidingLayers {

    private SlidingLayers() {
    }

    /** The flags of {@code blockCount} layers; fails naming the key when it is malformed. */
    public static boolean[] read(MetadataReader metadata, ArchitectureKeys keys, int blockCount, int defaultPattern) {
        String key = keys.slidingWindowPattern();
        MetadataValue value = metadata.metadata().find(key).orElse(null);
        if (value != null && value.value() instanceof MetadataArray array) {
            if (array.length() != blockCount) {
                throw metadata.error(key, "has " + array.length() + " flags for " + blockCount + " layers");
            }
            boolean[] sliding = new boolean[blockCount];
            for (int l = 0; l < blockCount; l++) {
                Object flag = array.get(l).value();
                if (flag instanceof Boolean b) {
                    sliding[l] = b;
                } else if (flag instanceof Long n) {
                    sliding[l] = n != 0;
                } else {
                    throw metadata.error(key, "is an array of " + array.elementType() + ", expected BOOL or integer flags");
                }
            }
            return sliding;
        }
        int pattern = metadata.metadata().getInt(key, defaultPattern);
        if (pattern < 0) {
            throw metadata.error(key, "is " + pattern + ", must be 0 (every layer slides) or a positive period");
        }
        return everyNthDense(blockCount, pattern);
    }

    /** Layer {@code l} slides when {@code l % period < period - 1}; every layer when {@code period} is 0. */
    public static boolean[] everyNthDense(int blockCount, int period) {
        boolean[] sliding = new boolean[blockCount];
        for (int l = 0; l < blockCount; l++) {
            sliding[l] = period == 0 || l % period < period - 1;
        }
        return sliding;
    }
}
