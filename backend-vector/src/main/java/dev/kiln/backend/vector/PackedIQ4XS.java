package dev.kiln.backend.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.NonLinear4;
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
 * IQ4_XS (ggml's {@code block_iq4_xs}, a plugin type: the plugin's {@code vectorKernel()} serves
 * the shapes this layout does not) in the {@link PackedMatrix} layout: 2208 bytes per group of 16
 * rows and 256-column super-block (16 × 136 = 2176 originally, +1.5 %). Per super-block: the 16
 * f16 {@code d}, the eight 6-bit block scales unpacked to signed bytes ({@code ls − 32}, 8 × 16
 * bytes), then per 32-column block {@code b} and byte position {@code j < 16} the 16 rows' code
 * bytes (low nibble column {@code 32b + j}, high nibble {@code 32b + j + 16}).
 *
 * <p>Numerics are the plugin's ({@code vec_dot_iq4_xs_q8_K}): activations rounded to Q8_K, codes
 * looked up in the 16-entry codebook in registers ({@code vpermw} on 16-bit lanes), the exact
 * integer Σ ls·Σ value·x per super-block, one float multiply-add by {@code d·dx}. The codebook's
 * values reach ±127, so only two products fit an int16 sum: each pair is widened to int32.
 */
final class PackedIQ4XS extends PackedMatrix {

    static final int BLOCK = 256;
    private static final int SOURCE_BYTES = 136;
    private static final int SCALES = 2 * GROUP;
    private static final int CODES = SCALES + 8 * GROUP;
    /** Bytes per group per super-block. */
    static final int GROUP_BLOCK_BYTES = CODES + 128 * GROUP;
    /** This type's packed form (see {@link PackedMatrix.Format}). */
    static final Format<PackedIQ4XS> FORMAT = new Format<>(GgmlType.IQ4_XS, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedIQ4XS::packGroup, PackedIQ4XS::new);

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** The codebook as 16 int16 lanes: a lookup is one permute. */
    private static final ShortVector TABLE = (ShortVector) ByteVector.fromArray(B, NonLinear4.values(), 0)
            .convertShape(VectorOperators.B2S, S, 0);

    private final int blocks;

    private PackedIQ4XS(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** One group's 16 rows (see {@link PackedMatrix.Format#pack}): scales side by side, block scales unpacked, codes transposed. */
    private static void packGroup(byte[] in, int rb, int blocks, byte[] out) {
        for (int k = 0; k < blocks; k++) {
            int src = k * SOURCE_BYTES;
            int dst = k * GROUP_BLOCK_BYTES;
            copyScales(in, rb, src, out, dst);
            for (int l = 0; l < GROUP; l++) {
                int at = l * rb + src;
                int high = (in[at + 2] & 0xFF) | (in[at + 3] & 0xFF) << 8;
                for (int b = 0; b < 8; b++) {
                    int low = (in[at + 4 + b / 2] & 0xFF) >>> (4 * (b % 2));
                    out[dst + SCALES + GROUP * b + l] = (byte) (((low & 0xF) | ((high >>> (2 * b)) & 3) << 4) - 32);
                }
            }
            for (int b = 0; b < 8; b++) {
                transpose16(in, src + 8 + 16 * b, rb, out, dst + CODES + 16 * GROUP * b);
            }
        }
    }

    @Override
    Q8KActivations prepare(float[] x) {
        return Q8KActivations.of(x, 0, columns);
    }

    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        return Q8KActivations.round(x, offset, n);
    }

    /** Token generation on Q8_K-rounded activations. */
    @Override
    void dotGroupRange(int g0, int g1, Object prepared, float[] scratch, float[] out, int outOffset) {
        Q8KActivations a = (Q8KActivations) prepared;
        short[] qs = a.qs;
        float[] dx = a.d;
        MemorySegment w = data;
        int nb = blocks;
        ShortVector table = TABLE;
        for (int g = g0; g < g1; g++) {
            FloatVector acc = FloatVector.zero(F);
            long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
            for (int k = 0; k < nb; k++) {
                long base = groupBase + (long) k * GROUP_BLOCK_BYTES;
                IntVector isum = IntVector.zero(I);
                for (int b = 0; b < 8; b++) {
                    long q = base + CODES + 16L * GROUP * b; // affine in b: C2 hoists the bounds checks
                    int x = k * BLOCK + 32 * b;
                    IntVector bsum = IntVector.zero(I);
                    // eight byte positions per pass, two passes; a pair of products (≤ 2·127·127) is all
                    // an int16 lane holds, so each pair is widened
                    for (int j = 0; j < 16; j += 8) {
                        ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 0), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        bsum = bsum.add((IntVector) q0.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 0]))
                                .add(q0.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 0])))
                                .convertShape(VectorOperators.S2I, I, 0));
                        ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 1), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        bsum = bsum.add((IntVector) q1.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 1]))
                                .add(q1.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 1])))
                                .convertShape(VectorOperators.S2I, I, 0));
                        ShortVector q2 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 2), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        bsum = bsum.add((IntVector) q2.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 2]))
                                .add(q2.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 2])))
                                .convertShape(VectorOperators.S2I, I, 0));
                        ShortVector q3 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 3), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        bsum = bsum.add((IntVector) q3.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 3]))
                                .add(q3.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 3])))
                                .convertShape(VectorOperators.S2I, I, 0));
                        ShortVector q4 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 4), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        bsum = bsum.add((IntVector) q4.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 4]))
                                .add(q4.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 4])))
                                .convertShape(VectorOperators.S2I, I, 0));
                        ShortVector q5 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 5), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        bsum = bsum.add((IntVector) q5.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 5]))
                                .add(q5.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 5])))
                                .convertShape(VectorOperators.S2I, I, 0));
                        ShortVector q6 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 6), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        bsum = bsum.add((IntVector) q6.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 6]))
                                .add(q6.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 6])))
                                .convertShape(VectorOperators.S2I, I, 0));
                        ShortVector q7 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 7), ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        bsum = bsum.add((IntVector) q7.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 7]))
                                .add(q7.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 7])))
                                .convertShape(VectorOperators.S2I, I, 0));
                    }
                    IntVector ls = (IntVector) ByteVector.fromMemorySegment(B, w, base + SCALES + (long) GROUP * b, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0);
                    isum = isum.add(bsum.mul(ls));
                }
                IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, base, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
                // f16 → f32 exactly as Float.float16ToFloat (inline: C2 boxes vectors across calls), as in PackedQ4_0
                FloatVector d = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .lanewise(VectorOperators.OR, 0x7F800000, h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                        .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(dx[k]), acc);
            }
            acc.intoArray(out, outOffset + g * GROUP);
        }
    }

    /** (d·ls)·value, column-major, rounded as the plugin's decoder. */
    @Override
    void decodeGroup(int g, float[] dst, int dstOffset, int stride) {
        MemorySegment w = data;
        int nb = blocks;
        long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
        float[] d = new float[GROUP];
        FloatVector values = (FloatVector) ((IntVector) ByteVector.fromArray(B, NonLinear4.values(), 0)
                .convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0);
        for (int k = 0; k < nb; k++) {
            long base = groupBase + (long) k * GROUP_BLOCK_BYTES;
            halvesToFloats(base, d, 0);
            FloatVector dv = FloatVector.fromArray(F, d, 0);
            for (int b = 0; b < 8; b++) {
                FloatVector dl = dv.mul((FloatVector) ((IntVector) ByteVector.fromMemorySegment(B, w, base + SCALES + (long) GROUP * b, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0));
                int c = dstOffset + (k * BLOCK + 32 * b) * stride;
                for (int j = 0; j < 16; j++) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, base + CODES + 16L * GROUP * b + 16L * j, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    q.and(0x0F).selectFrom(values.reinterpretAsInts()).reinterpretAsFloats().mul(dl)
                            .intoArray(dst, c + j * stride);
                    q.lanewise(VectorOperators.LSHR, 4).selectFrom(values.reinterpretAsInts()).reinterpretAsFloats().mul(dl)
                            .intoArray(dst, c + (16 + j) * stride);
                }
            }
        }
    }
}
