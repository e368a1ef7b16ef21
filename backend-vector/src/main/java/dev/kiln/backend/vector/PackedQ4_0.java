package dev.kiln.backend.vector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A Q4_0 matrix repacked at first use so that vector lanes run over 16 rows instead of along one
 * row (512-bit vectors only). Per group of 16 rows and per 32-column block, 288 bytes — the same
 * size as the 16 original blocks: the 16 f16 scales, then for {@code j < 16} the byte {@code j}
 * of each of the 16 rows (low nibble column {@code j}, high nibble column {@code j + 16}).
 *
 * <p>Why: along a row, every 32 weights pay a widening, a conversion and a float FMA for their
 * block sum plus a scale broadcast (about 20 instructions). Across rows, one activation
 * broadcast serves 16 rows, the 16 block sums come out in one vector (no horizontal work), and
 * the per-block tail is paid once per 16 rows: about 7 instructions per 32 weights. Measured in
 * KERNELS.md. The packed copy replaces the mapped pages (they are unloaded after packing), so
 * resident memory does not grow.
 *
 * <p>Numerics are the Q4_0 plugin's: activations rounded to Q8_0 blocks, exact integer block
 * sums Σ(q−8)·x (int16 arithmetic wraps, but the result fits), one float multiply-add per block.
 */
final class PackedQ4_0 implements AutoCloseable {

    static final int GROUP = 16;
    static final int BLOCK = 32;
    private static final int SOURCE_BYTES = 18;
    /** Bytes per group per block: 16 scales, 16 × 16 nibble bytes. */
    static final int GROUP_BLOCK_BYTES = 2 * GROUP + GROUP * 16;

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    private final Arena arena;
    private final MemorySegment data;
    /** The mapped segment this was packed from (its scope tells a stale cache entry). */
    final MemorySegment source;
    final int rows;
    final int columns;
    private final int blocks;

    private PackedQ4_0(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        this.arena = arena;
        this.data = data;
        this.source = source;
        this.rows = rows;
        this.columns = columns;
        this.blocks = columns / BLOCK;
    }

    /** Whether a {@code rows × columns} Q4_0 matrix can be packed: whole groups of rows, at 512 bits. */
    static boolean applies(Lanes lanes, int rows, int columns) {
        return lanes.bits() == 512 && rows % GROUP == 0 && rows > 0 && columns % BLOCK == 0 && columns > 0;
    }

    /**
     * Packs {@code rows × columns} Q4_0 weights read from {@code source}, groups split over
     * {@code pool}, then unloads the source pages if they are mapped (the packed copy serves
     * every later read; the page cache keeps the file).
     */
    static PackedQ4_0 pack(MemorySegment source, int rows, int columns, WorkerPool pool) {
        int blocks = columns / BLOCK;
        long rowBytes = (long) blocks * SOURCE_BYTES;
        int groups = rows / GROUP;
        Arena arena = Arena.ofShared();
        try {
            MemorySegment data = arena.allocate((long) groups * blocks * GROUP_BLOCK_BYTES, 64);
            pool.run(groups, (g, worker) -> packGroup(source, rowBytes, blocks, g, data));
            MemorySegment used = source.asSlice(0, rowBytes * rows);
            if (used.isMapped()) {
                used.unload();
            }
            return new PackedQ4_0(arena, data, source, rows, columns);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** One group: its 16 source rows are contiguous, so one copy in, a transpose on heap arrays, one copy out. */
    private static void packGroup(MemorySegment source, long rowBytes, int blocks, int g, MemorySegment data) {
        int rb = (int) rowBytes;
        byte[] in = new byte[GROUP * rb];
        byte[] out = new byte[blocks * GROUP_BLOCK_BYTES];
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, (long) g * GROUP * rowBytes, in, 0, in.length);
        for (int l = 0; l < GROUP; l++) {
            int row = l * rb;
            for (int k = 0; k < blocks; k++) {
                int src = row + k * SOURCE_BYTES;
                int dst = k * GROUP_BLOCK_BYTES;
                out[dst + 2 * l] = in[src];
                out[dst + 2 * l + 1] = in[src + 1];
                int nibbles = dst + 2 * GROUP + l;
                for (int j = 0; j < 16; j++) {
                    out[nibbles + 16 * j] = in[src + 2 + j];
                }
            }
        }
        MemorySegment.copy(out, 0, data, ValueLayout.JAVA_BYTE, (long) g * out.length, out.length);
    }

    /**
     * {@code out[outOffset + r] = Σ W[r][c]·x[c]} for the rows of groups {@code [g0, g1)}, on
     * Q8_0-rounded activations ({@code a}).
     */
    void dotGroups(int g0, int g1, Q8Activations a, short[] bias, float[] out, int outOffset) {
        MemorySegment w = data;
        short[] qs = a.qs;
        float[] dx = a.d;
        int nb = blocks;
        for (int g = g0; g < g1; g++) {
            FloatVector acc = FloatVector.zero(F);
            long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
            for (int k = 0; k < nb; k++) {
                long base = groupBase + (long) k * GROUP_BLOCK_BYTES + 2 * GROUP;
                int x = k * BLOCK;
                // two accumulators: the low-nibble and high-nibble chains run in parallel
                ShortVector lo = ShortVector.zero(S);
                ShortVector hi = ShortVector.zero(S);
                // eight columns per pass, two passes: measured against a 16-trip loop (0.75×, C2 gives it
                // pre/main/post loops and spills), a full unroll (0.95×, and C2 compiles it far longer)
                // and four per pass (0.7×)
                for (int j = 0; j < 16; j += 8) {
                    ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 0), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo = lo.add(q0.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 0])));
                    hi = hi.add(q0.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 16 + j + 0])));
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 1), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo = lo.add(q1.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 1])));
                    hi = hi.add(q1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 16 + j + 1])));
                    ShortVector q2 = (ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 2), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo = lo.add(q2.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 2])));
                    hi = hi.add(q2.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 16 + j + 2])));
                    ShortVector q3 = (ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 3), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo = lo.add(q3.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 3])));
                    hi = hi.add(q3.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 16 + j + 3])));
                    ShortVector q4 = (ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 4), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo = lo.add(q4.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 4])));
                    hi = hi.add(q4.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 16 + j + 4])));
                    ShortVector q5 = (ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 5), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo = lo.add(q5.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 5])));
                    hi = hi.add(q5.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 16 + j + 5])));
                    ShortVector q6 = (ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 6), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo = lo.add(q6.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 6])));
                    hi = hi.add(q6.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 16 + j + 6])));
                    ShortVector q7 = (ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 7), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo = lo.add(q7.and((short) 0x0F).mul(ShortVector.broadcast(S, qs[x + j + 7])));
                    hi = hi.add(q7.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S, qs[x + 16 + j + 7])));
                }
                // Σq·x − 8·Σx: each partial sum may wrap in 16 bits, the result (|·| ≤ 32·8·127) does not
                ShortVector sum = lo.add(hi).sub(bias[k]);
                FloatVector sums = (FloatVector) ((IntVector) sum.convertShape(VectorOperators.S2I, I, 0))
                        .convert(VectorOperators.I2F, 0);
                IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, base - 2 * GROUP, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
                // f16 → f32 exactly as Float.float16ToFloat (kept inline: C2 boxes vectors across calls here):
                // exponent and mantissa moved into float position and rebased by 2^112 (exact, subnormal
                // halves included), infinities and NaNs given the all-ones exponent, then the sign
                FloatVector d = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .lanewise(VectorOperators.OR, 0x7F800000, h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                        .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                acc = sums.fma(d.mul(dx[k]), acc);
            }
            acc.intoArray(out, outOffset + g * GROUP);
        }
    }

    /** Per block of the activations, 8·Σq (the Q4_0 "− 8" applied once per block), as int16. */
    static short[] bias(Q8Activations a) {
        short[] bias = new short[a.d.length];
        for (int k = 0; k < bias.length; k++) {
            int s = 0;
            for (int i = 0; i < BLOCK; i++) {
                s += a.qs[k * BLOCK + i];
            }
            bias[k] = (short) (8 * s);
        }
        return bias;
    }

    /**
     * Decodes group {@code g} column-major into {@code dst}: {@code dst[c * 16 + l]} is row
     * {@code g·16 + l}, column {@code c}, as the plugin dequantizes it ((q − 8) · d).
     */
    void decodeGroup(int g, float[] dst) {
        MemorySegment w = data;
        int nb = blocks;
        long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
        FloatVector eight = FloatVector.broadcast(F, 8f);
        for (int k = 0; k < nb; k++) {
            long base = groupBase + (long) k * GROUP_BLOCK_BYTES;
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, base, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            // f16 → f32 exactly as Float.float16ToFloat (kept inline: C2 boxes vectors across calls here):
            // exponent and mantissa moved into float position and rebased by 2^112 (exact, subnormal
            // halves included), infinities and NaNs given the all-ones exponent, then the sign
            FloatVector d = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.OR, 0x7F800000, h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                    .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats();
            int c = k * BLOCK * GROUP;
            for (int j = 0; j < 16; j++) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, base + 2 * GROUP + 16L * j, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                ((FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0)).sub(eight).mul(d)
                        .intoArray(dst, c + j * GROUP);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).sub(eight).mul(d)
                        .intoArray(dst, c + (16 + j) * GROUP);
            }
        }
    }

    /**
     * Prompt processing for group {@code g}: {@code decoded} is the group from
     * {@link #decodeGroup}; {@code x} holds {@code batch} rows of {@link #columns} (rounded)
     * activations; writes {@code out[t * outStride + g·16 + l]}. Eight tokens at a time share each
     * loaded weight vector (eight FMAs per load, lanes over the 16 rows: no horizontal sums).
     */
    void multiplyGroup(int g, float[] decoded, float[] x, int batch, float[] out, int outStride) {
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

    int groups() {
        return rows / GROUP;
    }

    @Override
    public void close() {
        arena.close();
    }
}
