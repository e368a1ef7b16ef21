package dev.kiln.backend.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/**
 * Checks that a quant-type plugin means by its ggml type what a built-in kernel assumes, by
 * decoding the same random blocks both ways. A plugin that reuses a ggml id for another layout
 * (a test type, an experiment) then runs on its own kernel instead of silently wrong numbers.
 */
final class LayoutProbe {

    private static final int BLOCKS = 4;

    private LayoutProbe() {
    }

    static boolean agrees(QuantType type, RowKernel kernel) {
        GgmlType g = type.ggmlType();
        int n = BLOCKS * g.blockSize() + (g.blockSize() == 1 ? 3 : 0);
        long bytes = g.byteSize(n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(bytes, 8);
            fill(g, seg, new Random(20261126L));
            float[] theirs = new float[n];
            float[] ours = new float[n];
            type.dequantize(seg, 0, theirs, 0, n);
            kernel.decode(seg, 0, ours, 0, n);
            for (int i = 0; i < n; i++) {
                float tol = 1e-5f * Math.max(1f, Math.abs(theirs[i]));
                if (!(Math.abs(theirs[i] - ours[i]) <= tol)) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether {@code type} decodes a probe matrix (16 rows of {@link #BLOCKS} random blocks) as the
     * packed layout {@code packer} makes, for a plugin type with a packed layout but no row kernel.
     */
    static boolean agreesPacked(QuantType type, PackedMatrix.Format<?> packer, WorkerPool pool) {
        GgmlType g = type.ggmlType();
        int rows = PackedMatrix.GROUP;
        int n = BLOCKS * g.blockSize();
        long rowBytes = g.byteSize(n);
        try (Arena arena = Arena.ofShared()) { // packing may hand parts to the pool's threads
            MemorySegment seg = arena.allocate(rowBytes * rows, 8);
            fill(g, seg, new Random(20261204L));
            float[] theirs = new float[n];
            float[] ours = new float[rows * n];
            try (PackedMatrix p = packer.pack(seg, rows, n, pool)) {
                p.decodeGroup(0, ours);
            }
            for (int r = 0; r < rows; r++) {
                type.dequantize(seg, r * rowBytes, theirs, 0, n);
                for (int i = 0; i < n; i++) {
                    float got = ours[i * rows + r];
                    float tol = 1e-5f * Math.max(1f, Math.abs(theirs[i]));
                    if (!(Math.abs(theirs[i] - got) <= tol)) {
                        return false;
                    }
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }


    /** Random bytes, with every float or scale field set to a modest finite value. */
    private static void fill(GgmlType g, MemorySegment seg, Random rnd) {
        for (long i = 0; i < seg.byteSize(); i++) {
            seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
        }
        long size = seg.byteSize();
        switch (g) {
            case F32 -> {
                for (long i = 0; i < size; i += 4) {
                    seg.set(RowKernel.F32, i, (float) rnd.nextGaussian());
                }
            }
            case F16 -> {
                for (long i = 0; i < size; i += 2) {
                    seg.set(RowKernel.F16, i, Float.floatToFloat16((float) rnd.nextGaussian()));
                }
            }
            case BF16 -> {
                for (long i = 0; i < size; i += 2) {
                    seg.set(RowKernel.F16, i, (short) (Float.floatToIntBits((float) rnd.nextGaussian()) >>> 16));
                }
            }
            case Q4_0, Q8_0, Q5_0, IQ4_NL, IQ4_XS -> {
                for (long b = 0; b < size; b += g.blockBytes()) {
                    seg.set(RowKernel.F16, b, scale(rnd));
                }
            }
            case Q4_K, Q5_K, Q4_1, Q5_1 -> {
                for (long b = 0; b < size; b += g.blockBytes()) {
                    seg.set(RowKernel.F16, b, scale(rnd));
                    seg.set(RowKernel.F16, b + 2, scale(rnd));
                }
            }
            case Q6_K -> {
                for (long b = 0; b < size; b += g.blockBytes()) {
                    seg.set(RowKernel.F16, b + 208, scale(rnd));
                }
            }
            case Q3_K -> {
                for (long b = 0; b < size; b += g.blockBytes()) {
                    seg.set(RowKernel.F16, b + 108, scale(rnd));
                }
            }
            default -> {
            }
        }
    }

    private static short scale(Random rnd) {
        return Float.floatToFloat16((float) (0.001 + rnd.nextDouble() * 0.05));
    }
}
