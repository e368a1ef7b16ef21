package dev.kiln.backend.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.NonLinear4;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
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
 * IQ4_NL (ggml's {@code block_iq4_nl}, a plugin type: the plugin's {@code vectorKernel()} serves
 * the shapes this layout does not) in the {@link PackedMatrix} layout. Its blocks have Q4_0's shape
 * (an f16 scale, 16 bytes of two 4-bit codes), so they are packed as {@link PackedQ4_0} packs: 288
 * bytes per group of 16 rows and 32-column block, the 16 scales then the code bytes transposed.
 *
 * <p>Numerics are the plugin's ({@code vec_dot_iq4_nl_q8_0}): activations rounded to Q8_0 as the
 * toolkit rounds them for the plugin, codes looked up in the 16-entry codebook in registers
 * ({@code vpermw}), the exact integer block sum (each pair of products, ≤ 2·127·127, widened to
 * int32), then one float multiply-add by {@code d·dx} per block and row.
 */
final class PackedIQ4NL extends PackedMatrix {

    static final int BLOCK = 32;
    private static final int SOURCE_BYTES = 18;
    /** Bytes per group per block: 16 scales, 16 × 16 code bytes. */
    static final int GROUP_BLOCK_BYTES = 2 * GROUP + GROUP * 16;
    /** This type's packed form (see {@link PackedMatrix.Format}). */
    static final Format<PackedIQ4NL> FORMAT = new Format<>(GgmlType.IQ4_NL, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedQ4_0::packGroup, PackedIQ4NL::new);

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** The codebook as 16 int16 lanes: a lookup is one permute. */
    private static final ShortVector TABLE = (ShortVector) ByteVector.fromArray(B, NonLinear4.values(), 0)
            .convertShape(VectorOperators.B2S, S, 0);

    private final int blocks;

    private PackedIQ4NL(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** Q8_0-rounded activations widened to int16, and their block scales. */
    record Prepared(short[] qs, float[] d) {
    }

    @Override
    Prepared prepare(float[] x) {
        Q8_0Activations a = Q8_0Activations.of(x, 0, columns);
        return new Prepared(widened(a.quants()), a.scales());
    }

    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        return Q8_0Activations.of(x, offset, n).toFloats();
    }

    /** Token generation on Q8_0-rounded activations. */
    @Override
    void dotGroupRange(int g0, int g1, Object prepared, float[] scratch, float[] out, int outOffset) {
        Prepared p = (Prepared) prepared;
        short[] qs = p.qs();
        float[] dx = p.d();
        MemorySegment w = data;
        int nb = blocks;
        ShortVector table = TABLE;
        for (int g = g0; g < g1; g++) {
            FloatVector acc = FloatVector.zero(F);
            long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
            for (int k = 0; k < nb; k++) {
                long base = groupBase + (long) k * GROUP_BLOCK_BYTES;
                long q = base + 2 * GROUP;
                int x = k * BLOCK;
                IntVector sum = IntVector.zero(I);
                // eight byte positions per pass, two passes
                for (int j = 0; j < 16; j += 8) {
                    ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 0), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    sum = sum.add((IntVector) q0.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 0]))
                            .add(q0.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 0])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 1), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    sum = sum.add((IntVector) q1.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 1]))
                            .add(q1.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 1])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    ShortVector q2 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 2), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    sum = sum.add((IntVector) q2.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 2]))
                            .add(q2.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 2])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    ShortVector q3 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 3), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    sum = sum.add((IntVector) q3.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 3]))
                            .add(q3.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 3])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    ShortVector q4 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 4), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    sum = sum.add((IntVector) q4.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 4]))
                            .add(q4.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 4])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    ShortVector q5 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 5), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    sum = sum.add((IntVector) q5.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 5]))
                            .add(q5.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 5])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    ShortVector q6 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 6), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    sum = sum.add((IntVector) q6.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 6]))
                            .add(q6.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 6])))
                            .convertShape(VectorOperators.S2I, I, 0));
                    ShortVector q7 = (ShortVector) ByteVector.fromMemorySegment(B, w, q + 16L * (j + 7), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    sum = sum.add((IntVector) q7.and((short) 0x0F).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + j + 7]))
                            .add(q7.lanewise(VectorOperators.LSHR, 4).selectFrom(table).mul(ShortVector.broadcast(S, qs[x + 16 + j + 7])))
                            .convertShape(VectorOperators.S2I, I, 0));
                }
                IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, base, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
                // f16 → f32 exactly as Float.float16ToFloat (inline: C2 boxes vectors across calls), as in PackedQ4_0
                FloatVector d = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .lanewise(VectorOperators.OR, 0x7F800000, h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                        .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(d.mul(dx[k]), acc);
            }
            acc.intoArray(out, outOffset + g * GROUP);
        }
    }

    /** d·value, column-major. */
    @Override
    void decodeGroup(int g, float[] dst, int dstOffset, int stride) {
        MemorySegment w = data;
        int nb = blocks;
        long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
        float[] d = new float[GROUP];
        IntVector values = ((FloatVector) ((IntVector) ByteVector.fromArray(B, NonLinear4.values(), 0)
                .convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0)).reinterpretAsInts();
        for (int k = 0; k < nb; k++) {
            long base = groupBase + (long) k * GROUP_BLOCK_BYTES;
            halvesToFloats(base, d, 0);
            FloatVector dv = FloatVector.fromArray(F, d, 0);
            int c = dstOffset + k * BLOCK * stride;
            for (int j = 0; j < 16; j++) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, base + 2 * GROUP + 16L * j, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                dv.mul(q.and(0x0F).selectFrom(values).reinterpretAsFloats()).intoArray(dst, c + j * stride);
                dv.mul(q.lanewise(VectorOperators.LSHR, 4).selectFrom(values).reinterpretAsFloats()).intoArray(dst, c + (16 + j) * stride);
            }
        }
    }
}
