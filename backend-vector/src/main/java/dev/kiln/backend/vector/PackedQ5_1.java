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
 * Q5_1 (ggml's {@code block_q5_1}, a plugin type: the plugin's {@code vectorKernel()} serves the
 * shapes this layout does not) in {@link PackedQ5_1}'s layout with the 16 f16 minimums {@code m}
 * after the 16 scales: 384 bytes per group of 16 rows and 32-column block, the size of the 16
 * original blocks. A class of its own rather than a flag on Q5_0's: with the block size and offsets
 * as fields instead of constants, Q5_0's kernel ran at 8 instead of 12.5 GB/s in some JVMs (KERNELS.md).
 *
 * <p>Numerics are the plugin's ({@code vec_dot_q5_1_q8_1}): activations rounded to Q8_1 as the
 * toolkit rounds them for the plugin, the exact integer block sum Σq·x, one float multiply-add by
 * {@code d·dx} per block and row, and the {@code m·s} terms summed apart and added at the end, as
 * the plugin (and ggml's x86 code) does. Batches run this kernel per vector (see
 * {@link #tilesAgreeWithKernel}).
 */
final class PackedQ5_1 extends PackedMatrix {

    static final int BLOCK = 32;
    private static final int SOURCE_BYTES = 24;
    /** Bytes per four byte positions: their high bits, then their four value vectors. */
    private static final int QUAD = 5 * GROUP;
    /** Where a block's quads start: after the 16 scales and the 16 minimums. */
    private static final int HEAD = 4 * GROUP;
    /** Bytes per group per block. */
    static final int GROUP_BLOCK_BYTES = HEAD + 4 * QUAD;
    /** This type's packed form (see {@link PackedMatrix.Format}). */
    static final Format<PackedQ5_1> FORMAT = new Format<>(GgmlType.Q5_1, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedQ5_1::packGroup, PackedQ5_1::new);

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    private final int blocks;

    private PackedQ5_1(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** One group's 16 rows (see {@link PackedMatrix.Format#pack}): scales side by side, then value and high-bit bytes. */
    private static void packGroup(byte[] in, int rb, int blocks, byte[] out) {
        for (int k = 0; k < blocks; k++) {
            int dst = k * GROUP_BLOCK_BYTES;
            copyScales(in, rb, k * SOURCE_BYTES, out, dst);
            copyScales(in, rb, k * SOURCE_BYTES + 2, out, dst + 2 * GROUP);
            for (int l = 0; l < GROUP; l++) {
                int src = l * rb + k * SOURCE_BYTES;
                int qh = (in[src + 4] & 0xFF) | (in[src + 5] & 0xFF) << 8 | (in[src + 6] & 0xFF) << 16 | (in[src + 7] & 0xFF) << 24;
                for (int j = 0; j < 16; j++) {
                    int q = in[src + 8 + j] & 0xFF;
                    int lo = (q & 0xF) | ((qh >>> j) & 1) << 4;
                    int hi = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                    int quad = dst + HEAD + QUAD * (j / 4);
                    out[quad + GROUP * (1 + j % 4) + l] = (byte) (lo | (hi << 5));
                    out[quad + l] |= (byte) ((hi >>> 3) << (2 * (j % 4)));
                }
            }
        }
    }

    /**
     * Q8_1-rounded activations widened to int16; per block 16·Σx of each half (see {@link #dotGroups})
     * and 16·Σx of the block; the rounded block sums {@code s}.
     */
    record Prepared(short[] qs, float[] d, short[] bias, int[] offset, float[] sums) {
    }

    @Override
    Prepared prepare(float[] x) {
        Q8_1Activations a = Q8_1Activations.of(x, 0, columns);
        byte[] q = a.quants();
        short[] bias = new short[2 * blocks];
        int[] offset = new int[blocks];
        for (int i = 0; i < columns; i++) {
            bias[i / 16] += (short) (16 * q[i]);
            offset[i / BLOCK] += 16 * q[i];
        }
        return new Prepared(widened(q), a.scales(), bias, offset, a.sums());
    }

    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        return Q8_1Activations.of(x, offset, n).toFloats();
    }

    /** The minimum term uses the f16-rounded block sums, which float tiles cannot reproduce. */
    @Override
    boolean tilesAgreeWithKernel() {
        return false;
    }

    /**
     * Token generation: per block and half (codes j and j + 16 for j < 16), the unsigned codes'
     * products summed in int16, where they may wrap: 16·Σx of that half subtracted, the result
     * Σ(q − 16)·x (|·| ≤ 16·16·127) fits, so the wrapped sum gives it exactly; then widened and
     * 16·Σx added back: Σq·x.
     */
    @Override
    void dotGroupRange(int g0, int g1, Object prepared, float[] scratch, float[] out, int outOffset) {
        Prepared p = (Prepared) prepared;
        short[] qs = p.qs();
        float[] dx = p.d();
        short[] bias = p.bias();
        int[] offset = p.offset();
        float[] sums = p.sums();
        MemorySegment w = data;
        int nb = blocks;
        for (int g = g0; g < g1; g++) {
            FloatVector acc = FloatVector.zero(F);
            FloatVector minAcc = FloatVector.zero(F);
            long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
            for (int k = 0; k < nb; k++) {
                long base = groupBase + (long) k * GROUP_BLOCK_BYTES;
                int x = k * BLOCK;
                ShortVector lo = ShortVector.zero(S);
                ShortVector hi = ShortVector.zero(S);
                // two quads (eight byte positions) per pass, two passes (as Q4_0's eight columns per pass)
                for (int u = 0; u < 4; u += 2) {
                    for (int v = 0; v < 2; v++) {
                        long at = base + HEAD + (long) QUAD * (u + v);
                        int xu = x + 4 * (u + v);
                        ShortVector top = (ShortVector) ByteVector.fromMemorySegment(B, w, at, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(B, w, at + GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(v0.and((short) 0x1F).mul(ShortVector.broadcast(S, qs[xu])));
                        hi = hi.add(v0.lanewise(VectorOperators.LSHR, 5).or(top.lanewise(VectorOperators.LSHL, 3).and((short) 0x18))
                                .mul(ShortVector.broadcast(S, qs[xu + 16])));
                        ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(B, w, at + 2 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(v1.and((short) 0x1F).mul(ShortVector.broadcast(S, qs[xu + 1])));
                        hi = hi.add(v1.lanewise(VectorOperators.LSHR, 5).or(top.lanewise(VectorOperators.LSHL, 1).and((short) 0x18))
                                .mul(ShortVector.broadcast(S, qs[xu + 17])));
                        ShortVector v2 = (ShortVector) ByteVector.fromMemorySegment(B, w, at + 3 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(v2.and((short) 0x1F).mul(ShortVector.broadcast(S, qs[xu + 2])));
                        hi = hi.add(v2.lanewise(VectorOperators.LSHR, 5).or(top.lanewise(VectorOperators.LSHR, 1).and((short) 0x18))
                                .mul(ShortVector.broadcast(S, qs[xu + 18])));
                        ShortVector v3 = (ShortVector) ByteVector.fromMemorySegment(B, w, at + 4 * GROUP, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(v3.and((short) 0x1F).mul(ShortVector.broadcast(S, qs[xu + 3])));
                        hi = hi.add(v3.lanewise(VectorOperators.LSHR, 5).or(top.lanewise(VectorOperators.LSHR, 3).and((short) 0x18))
                                .mul(ShortVector.broadcast(S, qs[xu + 19])));
                    }
                }
                IntVector sum = ((IntVector) lo.sub(bias[2 * k]).convertShape(VectorOperators.S2I, I, 0))
                        .add((IntVector) hi.sub(bias[2 * k + 1]).convertShape(VectorOperators.S2I, I, 0))
                        .add(offset[k]);
                IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, base, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
                // f16 → f32 exactly as Float.float16ToFloat (inline: C2 boxes vectors across calls), as in PackedQ4_0
                FloatVector d = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                        .reinterpretAsInts()
                        .lanewise(VectorOperators.OR, 0x7F800000, h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                        .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(d.mul(dx[k]), acc);
                IntVector hm = (IntVector) ShortVector.fromMemorySegment(S, w, base + 2 * GROUP, ByteOrder.LITTLE_ENDIAN)
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
                long quad = base + HEAD + (long) QUAD * (j / 4);
                IntVector v = (IntVector) ByteVector.fromMemorySegment(B, w, quad + (long) GROUP * (1 + j % 4), ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector top = (IntVector) ByteVector.fromMemorySegment(B, w, quad, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector high = v.lanewise(VectorOperators.LSHR, 5)
                        .or(top.lanewise(VectorOperators.LSHR, 2 * (j % 4)).and(3).lanewise(VectorOperators.LSHL, 3));
                ((FloatVector) v.and(0x1F).convert(VectorOperators.I2F, 0)).mul(dv).add(mv)
                        .intoArray(dst, c + j * stride);
                ((FloatVector) high.convert(VectorOperators.I2F, 0)).mul(dv).add(mv)
                        .intoArray(dst, c + (16 + j) * stride);
            }
        }
    }
}
