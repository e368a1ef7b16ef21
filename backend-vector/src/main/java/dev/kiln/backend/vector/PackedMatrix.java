package dev.kiln.backend.vector;

import dev.kiln.api.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A quantized matrix repacked at first use so that vector lanes run over 16 rows instead of
 * along one row (512-bit vectors only): per group of 16 rows and per block, the rows' scales
 * side by side, then for each byte position of the block the 16 rows' bytes side by side.
 *
 * <p>Why: along a row, every block of 32 weights pays a widening, an int→float conversion, a float
 * FMA and a scale broadcast for its sum (about 20 instructions per 32 weights, uop-bound at
 * ~9 GB/s). Across rows, one activation broadcast serves 16 rows, the 16 block sums come out in
 * one vector (no horizontal work), and the block's tail is paid once per 16 rows: about 8
 * instructions per 32 weights (KERNELS.md has the measurements). The packed copy replaces the
 * mapped pages (they are unloaded after packing), so resident memory does not grow.
 *
 * <p>Prompt processing decodes one group column-major ({@link #decodeGroup}) and multiplies it
 * with the batch in an 8-token FMA tile ({@link #multiplyGroup}).
 */
abstract class PackedMatrix implements AutoCloseable {

    static final int GROUP = 16;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Short> HALVES = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> HALF_LANES = IntVector.SPECIES_512;

    private final Arena arena;
    final MemorySegment data;
    /** The mapped segment this was packed from (its scope tells a stale cache entry). */
    final MemorySegment source;
    final int rows;
    final int columns;

    PackedMatrix(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        this.arena = arena;
        this.data = data;
        this.source = source;
        this.rows = rows;
        this.columns = columns;
    }

    /** Whole groups of 16 rows and whole blocks, at 512 bits: the only shapes packed. */
    static boolean applies(Lanes lanes, int rows, int columns, int block) {
        return lanes.bits() == 512 && rows % GROUP == 0 && rows > 0 && columns % block == 0 && columns > 0;
    }

    /** One type's layout: the 16 source rows of a group (row {@code l} at {@code l · rowBytes}) into its packed bytes. */
    @FunctionalInterface
    interface GroupLayout {
        void pack(byte[] rows, int rowBytes, int blocks, byte[] packed);
    }

    /** Makes the packed matrix once its bytes are written. */
    @FunctionalInterface
    interface Maker<P extends PackedMatrix> {
        P make(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns);
    }

    /**
     * One type's packed form: {@code sourceBytes} per block of {@code block} columns in the file,
     * {@code groupBlockBytes} per group of 16 rows and block once packed.
     */
    record Format<P extends PackedMatrix>(GgmlType type, int block, int sourceBytes, int groupBlockBytes,
                                          GroupLayout layout, Maker<P> maker) {

        /** Whether a {@code rows × columns} matrix of this type is packed at this width. */
        boolean applies(Lanes lanes, int rows, int columns) {
            return PackedMatrix.applies(lanes, rows, columns, block);
        }

        /** Bytes of the packed form of {@code rows × columns} weights. */
        long bytes(int rows, int columns) {
            return (long) (rows / GROUP) * (columns / block) * groupBlockBytes;
        }

        /** Packs into new memory of its own (see {@link #packInto}); then the source's mapped pages are unloaded. */
        P pack(MemorySegment source, int rows, int columns, WorkerPool pool) {
            Arena arena = Arena.ofShared();
            try {
                MemorySegment data = arena.allocate(bytes(rows, columns), 64);
                packInto(source, rows, columns, pool, data);
                MemorySegment used = source.asSlice(0, (long) (columns / block) * sourceBytes * rows);
                if (used.isMapped()) {
                    used.unload(); // the packed copy serves every later read; the page cache keeps the file
                }
                return maker.make(arena, data, source, rows, columns);
            } catch (RuntimeException | Error e) {
                arena.close();
                throw e;
            }
        }

        /**
         * Packs {@code rows × columns} weights read from {@code source} into {@code data}
         * ({@link #bytes} long), groups split over {@code pool}: each group's 16 rows are
         * contiguous in the source, so one copy in, the layout's transposes on heap arrays, one
         * copy out.
         */
        void packInto(MemorySegment source, int rows, int columns, WorkerPool pool, MemorySegment data) {
            int blocks = columns / block;
            int rowBytes = blocks * sourceBytes;
            pool.run(rows / GROUP, (g, worker) -> {
                byte[] in = new byte[GROUP * rowBytes];
                byte[] out = new byte[blocks * groupBlockBytes];
                MemorySegment.copy(source, ValueLayout.JAVA_BYTE, (long) g * in.length, in, 0, in.length);
                layout.pack(in, rowBytes, blocks, out);
                MemorySegment.copy(out, 0, data, ValueLayout.JAVA_BYTE, (long) g * out.length, out.length);
            });
        }
    }

    /** The 16 rows' two-byte block scales at {@code src} (row {@code l} at {@code l · rowBytes}), side by side from {@code dst}. */
    static void copyScales(byte[] in, int rowBytes, int src, byte[] out, int dst) {
        for (int l = 0; l < GROUP; l++) {
            out[dst + 2 * l] = in[l * rowBytes + src];
            out[dst + 2 * l + 1] = in[l * rowBytes + src + 1];
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * {@code out[outOffset + outStride·j + l] = in[inOffset + l·inStride + j]} for {@code j, l < 16}: the
     * 16×16 byte transpose at the heart of packing, as four 8×8 transposes of eight longs each
     * (three rounds of masked swaps), about a third of the work of moving single bytes — packing
     * runs before the first token.
     */
    static void transpose16(byte[] in, int inOffset, int inStride, byte[] out, int outOffset) {
        transpose16(in, inOffset, inStride, out, outOffset, 16);
    }

    /** {@link #transpose16(byte[], int, int, byte[], int)} with the 16 output rows {@code outStride} apart. */
    static void transpose16(byte[] in, int inOffset, int inStride, byte[] out, int outOffset, int outStride) {
        for (int lq = 0; lq < 16; lq += 8) {
            for (int jq = 0; jq < 16; jq += 8) {
                int at = inOffset + lq * inStride + jq;
                long r0 = (long) LONGS.get(in, at);
                long r1 = (long) LONGS.get(in, at + inStride);
                long r2 = (long) LONGS.get(in, at + 2 * inStride);
                long r3 = (long) LONGS.get(in, at + 3 * inStride);
                long r4 = (long) LONGS.get(in, at + 4 * inStride);
                long r5 = (long) LONGS.get(in, at + 5 * inStride);
                long r6 = (long) LONGS.get(in, at + 6 * inStride);
                long r7 = (long) LONGS.get(in, at + 7 * inStride);
                long t;
                t = ((r0 >>> 8) ^ r1) & 0x00FF00FF00FF00FFL; r1 ^= t; r0 ^= t << 8;
                t = ((r2 >>> 8) ^ r3) & 0x00FF00FF00FF00FFL; r3 ^= t; r2 ^= t << 8;
                t = ((r4 >>> 8) ^ r5) & 0x00FF00FF00FF00FFL; r5 ^= t; r4 ^= t << 8;
                t = ((r6 >>> 8) ^ r7) & 0x00FF00FF00FF00FFL; r7 ^= t; r6 ^= t << 8;
                t = ((r0 >>> 16) ^ r2) & 0x0000FFFF0000FFFFL; r2 ^= t; r0 ^= t << 16;
                t = ((r1 >>> 16) ^ r3) & 0x0000FFFF0000FFFFL; r3 ^= t; r1 ^= t << 16;
                t = ((r4 >>> 16) ^ r6) & 0x0000FFFF0000FFFFL; r6 ^= t; r4 ^= t << 16;
                t = ((r5 >>> 16) ^ r7) & 0x0000FFFF0000FFFFL; r7 ^= t; r5 ^= t << 16;
                t = ((r0 >>> 32) ^ r4) & 0x00000000FFFFFFFFL; r4 ^= t; r0 ^= t << 32;
                t = ((r1 >>> 32) ^ r5) & 0x00000000FFFFFFFFL; r5 ^= t; r1 ^= t << 32;
                t = ((r2 >>> 32) ^ r6) & 0x00000000FFFFFFFFL; r6 ^= t; r2 ^= t << 32;
                t = ((r3 >>> 32) ^ r7) & 0x00000000FFFFFFFFL; r7 ^= t; r3 ^= t << 32;
                int o = outOffset + outStride * jq + lq;
                LONGS.set(out, o, r0);
                LONGS.set(out, o + outStride, r1);
                LONGS.set(out, o + 2 * outStride, r2);
                LONGS.set(out, o + 3 * outStride, r3);
                LONGS.set(out, o + 4 * outStride, r4);
                LONGS.set(out, o + 5 * outStride, r5);
                LONGS.set(out, o + 6 * outStride, r6);
                LONGS.set(out, o + 7 * outStride, r7);
            }
        }
    }

    /** Int8 activations widened to int16, the form the kernels broadcast from. */
    static short[] widened(byte[] q) {
        short[] s = new short[q.length];
        for (int i = 0; i < q.length; i++) {
            s[i] = q[i];
        }
        return s;
    }

    /** The activation row as this type's kernel wants it (rounded as the plugin rounds it). */
    abstract Object prepare(float[] x);

    /**
     * {@code out[outOffset + r] = Σ W[r][c]·x[c]} for the rows of groups {@code [g0, g1)}, in calls
     * of {@link #dotGroupRange} over at most {@link #RUN} groups. Why not one call for the whole range:
     * its first call (the output matrix at the first token) ran long enough for C2 to compile the
     * group loop on stack (OSR) twice before the loop had ever exited, then again after the exit
     * branch trapped: four compiles of the largest kernel on the first token's path. In short runs the
     * loop exits at every call and the kernel gets one normal compile (KERNELS.md, first token); one
     * group per call cost Q4_0 token generation ~3 %.
     */
    final void dotGroups(int g0, int g1, Object prepared, float[] out, int outOffset) {
        float[] scratch = new float[scratchFloats()];
        for (int g = g0; g < g1; g += RUN) {
            dotGroupRange(g, Math.min(g1, g + RUN), prepared, scratch, out, outOffset);
        }
    }

    /** Groups per {@link #dotGroupRange} call (see {@link #dotGroups}). */
    static final int RUN = 4;

    /**
     * {@code out[outOffset + r] = Σ W[r][c]·x[c]} for the rows of groups {@code [g0, g1)};
     * {@code scratch} ({@link #scratchFloats} long) is the kernel's to overwrite.
     */
    abstract void dotGroupRange(int g0, int g1, Object prepared, float[] scratch, float[] out, int outOffset);

    /** Floats of scratch space {@link #dotGroupRange} needs (a group's unpacked scales), allocated once per {@link #dotGroups}. */
    int scratchFloats() {
        return 0;
    }

    /**
     * Decodes group {@code g} column-major into {@code dst}: {@code dst[dstOffset + c·stride + l]}
     * is row {@code g·16 + l}, column {@code c}, as the plugin dequantizes it. A stride of 32 puts
     * two groups side by side (see {@link #multiplyGroupPair}).
     */
    abstract void decodeGroup(int g, float[] dst, int dstOffset, int stride);

    /** {@link #decodeGroup(int, float[], int, int)} with the 16 rows of a column contiguous. */
    final void decodeGroup(int g, float[] dst) {
        decodeGroup(g, dst, 0, GROUP);
    }

    /**
     * Prompt processing for group {@code g}: {@code decoded} is the group from
     * {@link #decodeGroup}; {@code x} holds {@code batch} rows of {@link #columns} (rounded)
     * activations; writes {@code out[t * outStride + g·16 + l]}. Eight tokens at a time share each
     * loaded weight vector (eight FMAs per load, lanes over the 16 rows: no horizontal sums).
     */
    final void multiplyGroup(int g, float[] decoded, float[] x, int batch, float[] out, int outStride) {
        int n = columns;
        int t = 0;
        for (; t + 8 <= batch; t += 8) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector a4 = FloatVector.zero(F);
            FloatVector a5 = FloatVector.zero(F);
            FloatVector a6 = FloatVector.zero(F);
            FloatVector a7 = FloatVector.zero(F);
            int x0 = t * n;
            for (int c = 0; c < n; c++) {
                FloatVector wc = FloatVector.fromArray(F, decoded, c * GROUP);
                a0 = wc.fma(FloatVector.broadcast(F, x[x0 + c]), a0);
                a1 = wc.fma(FloatVector.broadcast(F, x[x0 + n + c]), a1);
                a2 = wc.fma(FloatVector.broadcast(F, x[x0 + 2 * n + c]), a2);
                a3 = wc.fma(FloatVector.broadcast(F, x[x0 + 3 * n + c]), a3);
                a4 = wc.fma(FloatVector.broadcast(F, x[x0 + 4 * n + c]), a4);
                a5 = wc.fma(FloatVector.broadcast(F, x[x0 + 5 * n + c]), a5);
                a6 = wc.fma(FloatVector.broadcast(F, x[x0 + 6 * n + c]), a6);
                a7 = wc.fma(FloatVector.broadcast(F, x[x0 + 7 * n + c]), a7);
            }
            int o = t * outStride + g * GROUP;
            a0.intoArray(out, o);
            a1.intoArray(out, o + outStride);
            a2.intoArray(out, o + 2 * outStride);
            a3.intoArray(out, o + 3 * outStride);
            a4.intoArray(out, o + 4 * outStride);
            a5.intoArray(out, o + 5 * outStride);
            a6.intoArray(out, o + 6 * outStride);
            a7.intoArray(out, o + 7 * outStride);
        }
        for (; t < batch; t++) {
            FloatVector a = FloatVector.zero(F);
            int x0 = t * n;
            for (int c = 0; c < n; c++) {
                a = FloatVector.fromArray(F, decoded, c * GROUP).fma(FloatVector.broadcast(F, x[x0 + c]), a);
            }
            a.intoArray(out, t * outStride + g * GROUP);
        }
    }

    /**
     * Prompt processing for groups {@code g} and {@code g + 1} decoded side by side
     * ({@code decodeGroup(g, d, 0, 32)}, {@code decodeGroup(g + 1, d, 16, 32)}): six tokens at a
     * time, two weight vectors per column, twelve accumulators — 1.5 FMAs per load, where one group
     * and eight tokens do 8 FMAs per 9 loads (the loads, not the FMAs, were the limit).
     */
    final void multiplyGroupPair(int g, float[] decoded, float[] x, int batch, float[] out, int outStride) {
        int n = columns;
        int t = 0;
        for (; t + 6 <= batch; t += 6) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector a4 = FloatVector.zero(F);
            FloatVector a5 = FloatVector.zero(F);
            FloatVector b0 = FloatVector.zero(F);
            FloatVector b1 = FloatVector.zero(F);
            FloatVector b2 = FloatVector.zero(F);
            FloatVector b3 = FloatVector.zero(F);
            FloatVector b4 = FloatVector.zero(F);
            FloatVector b5 = FloatVector.zero(F);
            int x0 = t * n;
            for (int c = 0; c < n; c++) {
                FloatVector w0 = FloatVector.fromArray(F, decoded, 2 * GROUP * c);
                FloatVector w1 = FloatVector.fromArray(F, decoded, 2 * GROUP * c + GROUP);
                FloatVector v = FloatVector.broadcast(F, x[x0 + c]);
                a0 = w0.fma(v, a0);
                b0 = w1.fma(v, b0);
                v = FloatVector.broadcast(F, x[x0 + n + c]);
                a1 = w0.fma(v, a1);
                b1 = w1.fma(v, b1);
                v = FloatVector.broadcast(F, x[x0 + 2 * n + c]);
                a2 = w0.fma(v, a2);
                b2 = w1.fma(v, b2);
                v = FloatVector.broadcast(F, x[x0 + 3 * n + c]);
                a3 = w0.fma(v, a3);
                b3 = w1.fma(v, b3);
                v = FloatVector.broadcast(F, x[x0 + 4 * n + c]);
                a4 = w0.fma(v, a4);
                b4 = w1.fma(v, b4);
                v = FloatVector.broadcast(F, x[x0 + 5 * n + c]);
                a5 = w0.fma(v, a5);
                b5 = w1.fma(v, b5);
            }
            int o = t * outStride + g * GROUP;
            a0.intoArray(out, o);
            b0.intoArray(out, o + GROUP);
            a1.intoArray(out, o + outStride);
            b1.intoArray(out, o + outStride + GROUP);
            a2.intoArray(out, o + 2 * outStride);
            b2.intoArray(out, o + 2 * outStride + GROUP);
            a3.intoArray(out, o + 3 * outStride);
            b3.intoArray(out, o + 3 * outStride + GROUP);
            a4.intoArray(out, o + 4 * outStride);
            b4.intoArray(out, o + 4 * outStride + GROUP);
            a5.intoArray(out, o + 5 * outStride);
            b5.intoArray(out, o + 5 * outStride + GROUP);
        }
        for (; t < batch; t++) {
            FloatVector a = FloatVector.zero(F);
            FloatVector b = FloatVector.zero(F);
            int x0 = t * n;
            for (int c = 0; c < n; c++) {
                FloatVector v = FloatVector.broadcast(F, x[x0 + c]);
                a = FloatVector.fromArray(F, decoded, 2 * GROUP * c).fma(v, a);
                b = FloatVector.fromArray(F, decoded, 2 * GROUP * c + GROUP).fma(v, b);
            }
            a.intoArray(out, t * outStride + g * GROUP);
            b.intoArray(out, t * outStride + g * GROUP + GROUP);
        }
    }

    final int groups() {
        return rows / GROUP;
    }

    /**
     * The 16 f16 values at byte {@code at} of {@link #data} as floats, into {@code dst[dstOffset ..
     * dstOffset + 16)}, exactly as {@link Float#float16ToFloat}: exponent and mantissa moved into float
     * position and rebased by 2^112 (exact, subnormal halves included), infinities and NaNs given the
     * all-ones exponent, then the sign. The packed layouts keep each group's block scales side by
     * side for this.
     */
    final void halvesToFloats(long at, float[] dst, int dstOffset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(HALVES, data, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_S2I, HALF_LANES, 0);
        h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                .reinterpretAsInts()
                .lanewise(VectorOperators.OR, 0x7F800000, h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                .reinterpretAsFloats().intoArray(dst, dstOffset);
    }

    /**
     * The activations of a prompt-processing batch row as this layout's kernel rounds them (to
     * Q8_K for the K-quants), or {@code null} if it multiplies them as they are. Layouts of built-in
     * types leave this to their {@link RowKernel}; those of plugin types (no row kernel here) say it.
     */
    float[] roundedActivations(float[] x, int offset, int n) {
        return null;
    }

    /**
     * Whether decoded weights times {@link #roundedActivations} in float (the prompt-processing tiles)
     * give this layout's kernel result up to float rounding. Not for Q4_1/Q5_1: their kernels' minimum
     * term uses the activations' f16-rounded block sums, which no rounding of the activations reproduces,
     * so its batches run the token kernel per vector.
     */
    boolean tilesAgreeWithKernel() {
        return true;
    }

    @Override
    public final void close() {
        arena.close();
    }
}
