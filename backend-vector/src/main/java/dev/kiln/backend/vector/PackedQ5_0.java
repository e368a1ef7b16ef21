package dev.kiln.backend.vector;

import dev.kiln.api.GgmlType;
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
 * Q5_0 (ggml's {@code block_q5_0}, a plugin type: there is no Q5_0 row kernel here, the plugin's
 * {@code vectorKernel()} serves the shapes this layout does not) in the {@link PackedMatrix}
 * layout: 352 bytes per group of 16 rows and 32-column block, the size of the 16 original blocks.
 * Per block: the 16 f16 scales, then for each four byte positions {@code j = 4m .. 4m + 3}: 16
 * bytes of high bits, then per {@code j} 16 bytes of values. Code {@code j} (5 bits) is the low five
 * bits of row {@code l}'s value byte; code {@code j + 16} has its low three bits in the top three of
 * that byte and its top two in bits {@code 2t, 2t + 1} (t = j % 4) of the row's high-bits byte —
 * {@link PackedQ5K}'s arrangement, so one load and one mask give the first code, four operations
 * the second (the nibble-plus-fifth-bit form needs two more per pair).
 *
 * <p>Numerics are the plugin's ({@code vec_dot_q5_0_q8_0}): activations rounded to Q8_0 as the
 * toolkit rounds them for the plugin, the exact integer block sum Σ(q − 16)·x, then one float
 * multiply-add by {@code d·dx} per block and row.
 */
final class PackedQ5_0 extends PackedMatrix {

    static final int BLOCK = 32;
    private static final int SOURCE_BYTES = 22;
    /** Bytes per four byte positions: their high bits, then their four value vectors. */
    private static final int QUAD = 5 * GROUP;
    /** Bytes per group per block: 16 scales, four quads. */
    static final int GROUP_BLOCK_BYTES = 2 * GROUP + 4 * QUAD;
    /** This type's packed form (see {@link PackedMatrix.Format}). */
    static final Format<PackedQ5_0> FORMAT = new Format<>(GgmlType.Q5_0, BLOCK, SOURCE_BYTES, GROUP_BLOCK_BYTES, PackedQ5_0::packGroup, PackedQ5_0::new);

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    private final int blocks;

    private PackedQ5_0(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
    }

    /** One group's 16 rows (see {@link PackedMatrix.Format#pack}): scales side by side, then value and high-bit bytes. */
    private static void packGroup(byte[] in, int rb, int blocks, byte[] out) {
        for (int k = 0; k < blocks; k++) {
            int dst = k * GROUP_BLOCK_BYTES;
            copyScales(in, rb, k * SOURCE_BYTES, out, dst);
            for (int l = 0; l < GROUP; l++) {
                int src = l * rb + k * SOURCE_BYTES;
                int qh = (in[src + 2] & 0xFF) | (in[src + 3] & 0xFF) << 8 | (in[src + 4] & 0xFF) << 16 | (in[src + 5] & 0xFF) << 24;
                for (int j = 0; j < 16; j++) {
                    int q = in[src + 6 + j] & 0xFF;
                    int lo = (q & 0xF) | ((qh >>> j) & 1) << 4;
                    int hi = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                    int quad = dst + 2 * GROUP + QUAD * (j / 4);
                    out[quad + GROUP * (1 + j % 4) + l] = (byte) (lo | (hi << 5));
                    out[quad + l] |= (byte) ((hi >>> 3) << (2 * (j % 4)));
                }
            }
        }
    }

    /** Q8_0-rounded activations widened to int16, and per block 16·Σx of each half (the "− 16", see {@link #dotGroups}). */
    record Prepared(short[] qs, float[] d, short[] bias) {
    }

    @Override
    Prepared prepare(float[] x) {
        Q8_0Activations a = Q8_0Activations.of(x, 0, columns);
        byte[] q = a.quants();
        short[] bias = new short[2 * blocks];
        for (int i = 0; i < columns; i++) {
            bias[i / 16] += (short) (16 * q[i]);
        }
        return new Prepared(widened(q), a.scales(), bias);
    }

    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        return Q8_0Activations.of(x, offset, n).toFloats();
    }

    /**
     * Token generation: per block and half (codes j and j + 16 for j < 16), the unsigned codes'
     * products summed in int16, where they may wrap: 16·Σx of that half subtracted, the result
     * Σ(q − 16)·x (|·| ≤ 16·16·127) fits, so the wrapped sum gives it exactly; then widened.
     */
    @Override
    void dotGroupRange(int g0, int g1, Object prepared, float[] scratch, float[] out, int outOffset) {
        Prepared p = (Prepared) prepared;
        short[] qs = p.qs();
        float[] dx = p.d();
        short[] bias = p.bias();
        MemorySegment w = data;
        int nb = blocks;
        for (int g = g0; g < g1; g++) {
            FloatVector acc = FloatVector.zero(F);
            long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
            for (int k = 0; k < nb; k++) {
                long base = groupBase + (long) k * GROUP_BLOCK_BYTES;
                int x = k * BLOCK;
                ShortVector lo = ShortVector.zero(S);
                ShortVector hi = ShortVector.zero(S);
                // two quads (eight byte positions) per pass, two passes (as Q4_0's eight columns per pass)
                for (int u = 0; u < 4; u += 2) {
                    for (int v = 0; v < 2; v++) {
                        long at = base + 2 * GROUP + (long) QUAD * (u + v);
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
                        .add((IntVector) hi.sub(bias[2 * k + 1]).convertShape(VectorOperators.S2I, I, 0));
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

    /** (q − 16)·d, column-major. */
    @Override
    void decodeGroup(int g, float[] dst, int dstOffset, int stride) {
        MemorySegment w = data;
        int nb = blocks;
        long groupBase = (long) g * nb * GROUP_BLOCK_BYTES;
        float[] d = new float[GROUP];
        for (int k = 0; k < nb; k++) {
            long base = groupBase + (long) k * GROUP_BLOCK_BYTES;
            halvesToFloats(base, d, 0);
            FloatVector dv = FloatVector.fromArray(F, d, 0);
            int c = dstOffset + k * BLOCK * stride;
            for (int j = 0; j < 16; j++) {
                long quad = base + 2 * GROUP + (long) QUAD * (j / 4);
                IntVector v = (IntVector) ByteVector.fromMemorySegment(B, w, quad + (long) GROUP * (1 + j % 4), ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector top = (IntVector) ByteVector.fromMemorySegment(B, w, quad, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector high = v.lanewise(VectorOperators.LSHR, 5)
                        .or(top.lanewise(VectorOperators.LSHR, 2 * (j % 4)).and(3).lanewise(VectorOperators.LSHL, 3));
                ((FloatVector) v.and(0x1F).sub(16).convert(VectorOperators.I2F, 0)).mul(dv)
                        .intoArray(dst, c + j * stride);
                ((FloatVector) high.sub(16).convert(VectorOperators.I2F, 0)).mul(dv)
                        .intoArray(dst, c + (16 + j) * stride);
            }
        }
    }
}
