package dev.kiln.conformance;

import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** The quant-type contract's special rows: zero, denormal, constant and huge values. */
final class QuantTypeContractRows {
    private QuantTypeContractRows() {
    }

    /** Row length for the special rows: 512 when the block size divides it, else two blocks. */
    static int rowLength(QuantType t) {
        int bs = t.blockSize();
        return bs > 0 && 512 % bs == 0 ? 512 : 2 * bs;
    }

    /** Quantizes {@code x} and dequantizes it again. */
    static float[] roundTrip(QuantType t, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(t.byteSize(x.length), 64);
            t.quantize(x, 0, x.length, q, 0);
            float[] back = new float[x.length];
            t.dequantize(q, 0, back, 0, x.length);
            return back;
        }
    }

    /** The kernel's dot product of {@code w} (quantized here) with {@code x}. */
    static float dot(QuantType t, float[] w, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(t.byteSize(w.length), 64);
            t.quantize(w, 0, w.length, q, 0);
            return dotWith(t.kernel(), q, x);
        }
    }

    private static <A> float dotWith(DotKernel<A> k, MemorySegment q, float[] x) {
        return k.dot(q, 0, k.prepare(x, 0, x.length), x.length);
    }

    static void zeroRow(QuantType t) {
        float[] zero = new float[rowLength(t)];
        float[] back = roundTrip(t, zero);
        for (int i = 0; i < back.length; i++) {
            if (back[i] != 0f) {
                throw new AssertionError("element " + i + " of an all-zero row came back as " + back[i]);
            }
        }
        float[] ones = new float[zero.length];
        java.util.Arrays.fill(ones, 1f);
        float d1 = dot(t, zero, ones);
        float d2 = dot(t, ones, zero);
        if (d1 != 0f || d2 != 0f) {
            throw new AssertionError("dot with a zero row " + d1 + ", with zero activations " + d2 + " (expected 0)");
        }
    }

    static void denormalRow(QuantType t) {
        int n = rowLength(t);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // subnormals of both signs, from the smallest up to just below the normal range
            float v = Float.MIN_VALUE * (1 + i % 7) + (i % 3 == 0 ? Float.MIN_NORMAL * 0.5f : 0f);
            x[i] = (i & 1) == 0 ? v : -v;
        }
        float bound = 2 * Float.MIN_NORMAL;
        float[] back = roundTrip(t, x);
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(back[i]) || Math.abs(back[i]) > bound) {
                throw new AssertionError("denormal element " + i + " (" + x[i] + ") came back as " + back[i]);
            }
        }
        float d = dot(t, x, x);
        if (!Float.isFinite(d)) {
            throw new AssertionError("dot of a denormal row with itself is " + d);
        }
    }

    static void constantRow(QuantType t) {
        for (float c : new float[] {3.0f, -0.75f}) {
            float[] x = new float[rowLength(t)];
            java.util.Arrays.fill(x, c);
            float[] back = roundTrip(t, x);
            for (int i = 0; i < x.length; i++) {
                if (!(Math.abs(back[i] - c) <= 0.1f * Math.abs(c))) {
                    throw new AssertionError("constant row of " + c + ": element " + i + " came back as " + back[i]);
                }
            }
        }
    }

    static void hugeRow(QuantType t) {
        int n = rowLength(t);
        float[] x = new float[n];
        Random random = new Random(7);
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.max(-QuantTypeContract.HUGE,
                    Math.min(QuantTypeContract.HUGE, random.nextGaussian() * QuantTypeContract.HUGE / 3));
        }
        x[n / 3] = QuantTypeContract.HUGE;
        x[2 * n / 3] = -QuantTypeContract.HUGE;
        float[] back = roundTrip(t, x);
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(back[i])) {
                throw new AssertionError("huge row: element " + i + " (" + x[i] + ") came back as " + back[i]);
            }
        }
        double relative = QuantTypeContract.rmse(back, x) / (QuantTypeContract.norm(x) / Math.sqrt(n));
        if (!(relative <= 0.5)) {
            throw new AssertionError("huge row: relative RMS error " + relative + " (the scale overflowed?)");
        }
        float d = dot(t, x, x);
        double expected = 0;
        for (int i = 0; i < n; i++) {
            expected += (double) back[i] * x[i];
        }
        double norm = QuantTypeContract.norm(x);
        if (!Float.isFinite(d) || !(Math.abs(d - expected) <= QuantTypeContract.DOT_TOLERANCE * norm * norm)) {
            throw new AssertionError("huge row: dot with itself " + d + ", Σ dequant·x " + expected);
        }
    }
}
