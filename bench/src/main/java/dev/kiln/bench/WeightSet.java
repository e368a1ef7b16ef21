package dev.kiln.bench;

import dev.kiln.api.GgmlType;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.ServiceLoader;

/**
 * Copies of one random weight matrix, quantized by the type's plugin, enough of them (≥ 256 MiB
 * in all) that cycling through them streams from memory as token generation does, instead of
 * re-reading a matrix that sits in the last-level cache.
 */
final class WeightSet {

    static final long STREAM_BYTES = 256L << 20;

    private final Weights[] copies;
    private final long bytes;
    private int next;

    WeightSet(GgmlType ggml, int rows, int cols, Arena arena) {
        QuantType type = plugin(ggml);
        long rowBytes = type.byteSize(cols);
        MemorySegment first = arena.allocate(rowBytes * rows, 64);
        Random rnd = new Random(42);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                row[i] = (float) rnd.nextGaussian() * 0.02f;
            }
            type.quantize(row, 0, cols, first, r * rowBytes);
        }
        bytes = first.byteSize();
        int n = (int) Math.max(1, Math.min(64, STREAM_BYTES / first.byteSize()));
        copies = new Weights[n];
        for (int i = 0; i < n; i++) {
            MemorySegment seg = i == 0 ? first : arena.allocate(first.byteSize(), 64).copyFrom(first);
            copies[i] = new Weights(ggml.name() + "#" + i, type, seg, rows, cols);
        }
    }

    /** How many copies there are. */
    int size() {
        return copies.length;
    }

    /** Bytes of one copy (the type's own). */
    long bytes() {
        return bytes;
    }

    /** The next copy, round-robin. */
    Weights next() {
        Weights w = copies[next];
        next = next + 1 == copies.length ? 0 : next + 1;
        return w;
    }

    static QuantType plugin(GgmlType ggml) {
        for (QuantType t : ServiceLoader.load(QuantType.class)) {
            if (t.ggmlType() == ggml) {
                return t;
            }
        }
        throw new IllegalStateException("no quant plugin for " + ggml + " on the classpath");
    }

    static float[] activations(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
