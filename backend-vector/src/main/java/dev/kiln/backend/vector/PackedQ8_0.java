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
 * Q8_0 in the {@link PackedMatrix} layout. Per group of 16 rows and per 32-column block, 544
 * bytes — the size of the 16 original blocks: the 16 f16 scales, then for {@code j < 32} value
 * {@code j} of each of the 16 rows.
 *
 * <p>Numerics are the plugin's ({@code vec_dot_q8_0_q8_0}): activations rounded to Q8_0 blocks,
 * exact integer block sums Σq·x, one float multiply-add per block. A product of two int8 values
 * needs 15 bits, so two of them share a 16-bit lane before each widening to int32 (the sum of
 * 32 does not fit 16 bits).
 */
final class PackedQ8_0 extends PackedMatrix {

    static final int BLOCK = 32;
    private static final int SOURCE_BYTES = 34;
    /** Bytes per group per block: 16 scales, 32 × 16 values. */
    static final int GROUP_BLOCK_BYTES = 2 * GROUP + GROUP * BLOCK;
    /** This type's packed form (see {@link PackedMatrix.Format}). */
    static final Format<PackedQ8_0> FORMAT = new Format<>(GgmlType.Q8_0, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedQ8_0::packGroup, PackedQ8_0::new);

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    /** The activation rounding's width: packing runs at 512 bits only. */
    private static final Lanes LANES = Lanes.of(512);

    private final int blocks;

    private PackedQ8_0(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** One group's 16 rows (see {@link PackedMatrix.Format#pack}): scales side by side, then the values transposed. */
    private static void packGroup(byte[] in, int rb, int blocks, byte[] out) {
        for (int k = 0; k < blocks; k++) {
            int src = k * SOURCE_BYTES;
            int dst = k * GROUP_BLOCK_BYTES;
            copyScales(in, rb, src, out, dst);
            transpose16(in, src + 2, rb, out, dst + 2 * GROUP);
            transpose16(in, src + 18, rb, out, dst + 2 * GROUP + 16 * GROUP);
        }
    }

    @Override
    Q8Activations prepare(float[] x) {
        return Q8Activations.of(x, 0, columns, LANES);
    }

    /** Token generation on Q8_0-rounded activations (the plugin's {@code vec_dot_q8_0_q8_0} arithmetic). */
    @Override
    void dotGroupRange(int g0, int g1, Object prepared, float[] scratch, float[] out, int outOffset) {
        Q8Activations a = (Q8Activations) prepared;
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
                IntVector sum = IntVector.zero(I);
                // sixteen columns per pass, two passes; two products per 16-bit lane (|q·x| ≤ 128·127), then widened
                for (int j = 0; j < BLOCK; j += 16) {
                    sum = sum.add((IntVector) ((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 0), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 0]))
                            .add(((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 1), ByteOrder.LITTLE_ENDIAN)
                                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 1])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    sum = sum.add((IntVector) ((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 2), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 2]))
                            .add(((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 3), ByteOrder.LITTLE_ENDIAN)
                                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 3])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    sum = sum.add((IntVector) ((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 4), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 4]))
                            .add(((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 5), ByteOrder.LITTLE_ENDIAN)
                                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 5])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    sum = sum.add((IntVector) ((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 6), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 6]))
                            .add(((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 7), ByteOrder.LITTLE_ENDIAN)
                                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 7])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    sum = sum.add((IntVector) ((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 8), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 8]))
                            .add(((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 9), ByteOrder.LITTLE_ENDIAN)
                                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 9])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    sum = sum.add((IntVector) ((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 10), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 10]))
                            .add(((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 11), ByteOrder.LITTLE_ENDIAN)
                                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 11])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    sum = sum.add((IntVector) ((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 12), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 12]))
                            .add(((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 13), ByteOrder.LITTLE_ENDIAN)
                                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 13])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    sum = sum.add((IntVector) ((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 14), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 14]))
                            .add(((ShortVector) ByteVector.fromMemorySegment(B, w, base + 16L * (j + 15), ByteOrder.LITTLE_ENDIAN)
                                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.broadcast(S, qs[x + j + 15])))
                            .convertShape(VectorOperators.S2I, I, 0));
                }
                FloatVector sums = (FloatVector) sum.convert(VectorOperators.I2F, 0);
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

    /** q · d, column-major. */
    @Override
    void decodeGroup(int g, float[] dst, int dstOffset, int stride) {
        MemorySegment w = data;
        int nb = blocks;
        long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
        for (int k = 0; k < nb; k++) {
            long base = groupBase + (long) k * GROUP_BLOCK_BYTES;
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, base, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            // f16 → f32 exactly as Float.float16ToFloat (see dotGroups)
            FloatVector d = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.OR, 0x7F800000, h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                    .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats();
            int c = dstOffset + k * BLOCK * stride;
            for (int j = 0; j < BLOCK; j++) {
                ((FloatVector) ByteVector.fromMemorySegment(B, w, base + 2 * GROUP + 16L * j, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d)
                        .intoArray(dst, c + j * stride);
            }
        }
    }
}
