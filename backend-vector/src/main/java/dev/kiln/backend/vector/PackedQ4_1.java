package dev.kiln.backend.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.activation.Q8_1Activations;
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
 * Q4_1 (ggml's {@code block_q4_1}, a plugin type: the plugin's {@code vectorKernel()} serves the
 * shapes this layout does not) in the {@link PackedMatrix} layout: 320 bytes per group of 16 rows
 * and 32-column block, the size of the 16 original blocks: the 16 f16 scales {@code d}, the 16 f16
 * minimums {@code m}, then {@link PackedQ4_0}'s transposed nibble bytes.
 *
 * <p>Numerics are the plugin's ({@code vec_dot_q4_1_q8_1}): activations rounded to Q8_1 as the
 * toolkit rounds them for the plugin, the exact integer block sum Σq·x, one float multiply-add by
 * {@code d·dx} per block and row, and the {@code m·s} terms summed apart and added at the end, as
 * the plugin (and ggml's x86 code) does. Batches run this kernel per vector (see
 * {@link #tilesAgreeWithKernel}).
 */
final class PackedQ4_1 extends PackedMatrix {

    static final int BLOCK = 32;
    private static final int SOURCE_BYTES = 20;
    /** Bytes per group per block: 16 scales, 16 minimums, 16 × 16 nibble bytes. */
    static final int GROUP_BLOCK_BYTES = 4 * GROUP + GROUP * 16;
    /** This type's packed form (see {@link PackedMatrix.Format}). */
    static final Format<PackedQ4_1> FORMAT = new Format<>(GgmlType.Q4_1, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedQ4_1::packGroup, PackedQ4_1::new);

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    private final int blocks;

    private PackedQ4_1(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** One group's 16 rows (see {@link PackedMatrix.Format#pack}): scales and minimums side by side, then the nibble bytes transposed. */
    private static void packGroup(byte[] in, int rb, int blocks, byte[] out) {
        for (int k = 0; k < blocks; k++) {
            int src = k * SOURCE_BYTES;
            int dst = k * GROUP_BLOCK_BYTES;
            copyScales(in, rb, src, out, dst);
            copyScales(in, rb, src + 2, out, dst + 2 * GROUP);
            transpose16(in, src + 4, rb, out, dst + 4 * GROUP);
        }
    }

    /** Q8_1-rounded activations widened to int16, their block scales and rounded block sums {@code s}. */
    record Prepared(short[] qs, float[] d, float[] sums) {
    }

    @Override
    Prepared prepare(float[] x) {
        Q8_1Activations a = Q8_1Activations.of(x, 0, columns);
        return new Prepared(widened(a.quants()), a.scales(), a.sums());
    }

    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        return Q8_1Activations.of(x, offset, n).toFloats();
    }

    /** Like Q5_1: the minimum term uses the f16-rounded block sums, which float tiles cannot reproduce. */
    @Override
    boolean tilesAgreeWithKernel() {
        return false;
    }

    /** Token generation: per block the nibbles' products summed in int16 (16 of at most 15·127 per lane fit), widened. */
    @Override
    void dotGroupRange(int g0, int g1, Object prepared, float[] scratch, float[] out, int outOffset) {
        Prepared p = (Prepared) prepared;
        short[] qs = p.qs();
        float[] dx = p.d();
        float[] sums = p.sums();
        MemorySegment w = data;
        int nb = blocks;
        for (int g = g0; g < g1; g++) {
            FloatVector acc = FloatVector.zero(F);
            FloatVector minAcc = FloatVector.zero(F);
            long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
            for (int k = 0; k < nb; k++) {
                long base = groupBase + (long) k * GROUP_BLOCK_BYTES + 4 * GROUP;
                int x = k * BLOCK;
                ShortVector lo = ShortVector.zero(S);
                ShortVector hi = ShortVector.zero(S);
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
                IntVector sum = ((IntVector) lo.convertShape(VectorOperators.S2I, I, 0))
                        .add((IntVector) hi.convertShape(VectorOperators.S2I, I, 0));
                IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, base - 4 * GROUP, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
                // f16 → f32 exactly as Float.float16ToFloat (inline: C2 boxes vectors across calls), as in PackedQ4_0
                FloatVector d = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .lanewise(VectorOperators.OR, 0x7F800000, h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                        .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(d.mul(dx[k]), acc);
                IntVector hm = (IntVector) ShortVector.fromMemorySegment(S, w, base - 2 * GROUP, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
                FloatVector m = hm.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .lanewise(VectorOperators.OR, 0x7F800000, hm.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                        .or(hm.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                minAcc = minAcc.add(m.mul(sums[k])); // Σ m·s apart from the products (the plugin's and ggml's x86 order)
            }
            acc.add(minAcc).intoArray(out, outOffset + g * GROUP);
        }
    }

    /** q·d + m, column-major. */
    @Override
    void decodeGroup(int g, float[] dst, int dstOffset, int stride) {
        MemorySegment w = data;
        int nb = blocks;
        long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
        float[] d = new float[GROUP];
        float[] m = new float[GROUP];
        for (int k = 0; k < nb; k++) {
            long base = groupBase + (long) k * GROUP_BLOCK_BYTES;
            halvesToFloats(base, d, 0);
            halvesToFloats(base + 2 * GROUP, m, 0);
            FloatVector dv = FloatVector.fromArray(F, d, 0);
            FloatVector mv = FloatVector.fromArray(F, m, 0);
            int c = dstOffset + k * BLOCK * stride;
            for (int j = 0; j < 16; j++) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, base + 4 * GROUP + 16L * j, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                ((FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0)).mul(dv).add(mv).intoArray(dst, c + j * stride);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(dv).add(mv)
                        .intoArray(dst, c + (16 + j) * stride);
            }
        }
    }
}
