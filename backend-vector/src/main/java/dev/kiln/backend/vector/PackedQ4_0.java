package dev.kiln.backend.vector;

import dev.kiln.api.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 in the {@link PackedMatrix} layout. Per group of 16 rows and per 32-column block, 288
 * bytes — the size of the 16 original blocks: the 16 f16 scales, then for {@code j < 16} byte
 * {@code j} of each of the 16 rows (low nibble column {@code j}, high nibble column {@code j + 16}).
 *
 * <p>Numerics are the Q4_0 plugin's: activations rounded to Q8_0 blocks, exact integer block
 * sums Σ(q−8)·x (int16 partial sums may wrap, the result fits), one float multiply-add per block.
 */
final class PackedQ4_0 extends PackedMatrix {

    static final int BLOCK = 32;
    private static final int SOURCE_BYTES = 18;
    /** Bytes per group per block: 16 scales, 16 × 16 nibble bytes. */
    static final int GROUP_BLOCK_BYTES = 2 * GROUP + GROUP * 16;
    /** This type's packed form (see {@link PackedMatrix.Format}). */
    static final Format<PackedQ4_0> FORMAT = new Format<>(GgmlType.Q4_0, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedQ4_0::packGroup, PackedQ4_0::new);

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    /** The activation rounding's width: packing runs at 512 bits only. */
    private static final Lanes LANES = Lanes.of(512);

    private final int blocks;

    private PackedQ4_0(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** Packs {@code rows × columns} Q4_0 weights read from {@code source}, groups split over {@code pool}. */
    static PackedQ4_0 pack(MemorySegment source, int rows, int columns, WorkerPool pool) {
        return FORMAT.pack(source, rows, columns, pool);
    }

    /** One group's 16 rows (see {@link PackedMatrix.Format#pack}): scales side by side, then the nibble bytes transposed (IQ4_NL's blocks have the same shape). */
    static void packGroup(byte[] in, int rb, int blocks, byte[] out) {
        for (int k = 0; k < blocks; k++) {
            int src = k * SOURCE_BYTES;
            int dst = k * GROUP_BLOCK_BYTES;
            copyScales(in, rb, src, out, dst);
            transpose16(in, src + 2, rb, out, dst + 2 * GROUP);
        }
    }

    /** Q8_0-rounded activations and their per-block bias (see {@link #bias}). */
    record Prepared(Q8Activations a, short[] bias) {
    }

    @Override
    Prepared prepare(float[] x) {
        Q8Activations a = Q8Activations.of(x, 0, columns, LANES);
        return new Prepared(a, bias(a));
    }

    /** Token generation on Q8_0-rounded activations (the plugin's {@code vec_dot_q4_0_q8_0} arithmetic). */
    @Override
    void dotGroupRange(int g0, int g1, Object prepared, float[] scratch, float[] out, int outOffset) {
        Prepared p = (Prepared) prepared;
        Q8Activations a = p.a();
        short[] bias = p.bias();
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

    /** (q − 8) · d, column-major. */
    @Override
    void decodeGroup(int g, float[] dst, int dstOffset, int stride) {
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
            int c = dstOffset + k * BLOCK * stride;
            for (int j = 0; j < 16; j++) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, base + 2 * GROUP + 16L * j, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                ((FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0)).sub(eight).mul(d)
                        .intoArray(dst, c + j * stride);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).sub(eight).mul(d)
                        .intoArray(dst, c + (16 + j) * stride);
            }
        }
    }

}
