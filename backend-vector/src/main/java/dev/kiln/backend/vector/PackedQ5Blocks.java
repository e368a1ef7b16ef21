package dev.kiln.backend.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
import dev.kiln.toolkit.quant.activation.Q8_1Activations;
import dev.kiln.toolkit.quant.activation.QuantizedActivations;
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
 * Q5_0 and Q5_1 (ggml's {@code block_q5_0}, {@code block_q5_1}, plugin types: there is no row
 * kernel for them here, the plugins' {@code vectorKernel()} serve the shapes this layout does not)
 * in the {@link PackedMatrix} layout, the size of the 16 original blocks: per group of 16 rows and
 * 32-column block, the 16 f16 scales {@code d} (Q5_1: then the 16 f16 minimums {@code m}), then for
 * each four byte positions {@code j = 4m .. 4m + 3}: 16 bytes of high bits, then per {@code j} 16
 * bytes of values. Code {@code j} (5 bits) is the low five bits of row {@code l}'s value byte;
 * code {@code j + 16} has its low three bits in the top three of that byte and its top two in bits
 * {@code 2t, 2t + 1} (t = j % 4) of the row's high-bits byte — {@link PackedQ5K}'s arrangement, so
 * one load and one mask give the first code, four operations the second (the nibble-plus-fifth-bit
 * form needs two more per pair).
 *
 * <p>Numerics are the plugins' ({@code vec_dot_q5_0_q8_0}, {@code vec_dot_q5_1_q8_1}): activations
 * rounded to Q8_0 / Q8_1 as the toolkit rounds them for the plugins, the exact integer block sum
 * (Σ(q − 16)·x, Σq·x), one float multiply-add by {@code d·dx} per block and row; Q5_1's {@code m·s}
 * terms summed apart and added at the end, as the plugin (and ggml's x86 code) does.
 */
final class PackedQ5Blocks extends PackedMatrix {

    static final int BLOCK = 32;
    /** Bytes per four byte positions: their high bits, then their four value vectors. */
    private static final int QUAD = 5 * GROUP;
    /** Q5_0's packed form (see {@link PackedMatrix.Format}). */
    static final Format<PackedQ5Blocks> Q5_0 = new Format<>(GgmlType.Q5_0, BLOCK, 22, 2 * GROUP + 4 * QUAD,
            (in, rb, blocks, out) -> packGroup(in, rb, blocks, out, false),
            (arena, data, source, rows, columns) -> new PackedQ5Blocks(arena, data, source, rows, columns, false));
    /** Q5_1's packed form: Q5_0's with the minimums after the scales. */
    static final Format<PackedQ5Blocks> Q5_1 = new Format<>(GgmlType.Q5_1, BLOCK, 24, 4 * GROUP + 4 * QUAD,
            (in, rb, blocks, out) -> packGroup(in, rb, blocks, out, true),
            (arena, data, source, rows, columns) -> new PackedQ5Blocks(arena, data, source, rows, columns, true));

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    private final int blocks;
    /** Q5_1: codes 0..31 and a minimum per block; Q5_0: codes − 16. */
    private final boolean minimum;
    /** Bytes of scales (and minimums) at the start of each block, then the quads. */
    private final int head;
    /** Bytes per group per block. */
    private final int groupBlockBytes;

    private PackedQ5Blocks(Arena arena, MemorySegment data, MemorySegment source, int rows, int columns, boolean minimum) {
        super(arena, data, source, rows, columns);
        this.blocks = columns / BLOCK;
        this.minimum = minimum;
        this.head = (minimum ? 4 : 2) * GROUP;
        this.groupBlockBytes = head + 4 * QUAD;
    }

    /** One group's 16 rows (see {@link PackedMatrix#pack}): scales (and minimums) side by side, then value and high-bit bytes. */
    private static void packGroup(byte[] in, int rb, int blocks, byte[] out, boolean minimum) {
        int sourceBytes = minimum ? 24 : 22;
        int head = (minimum ? 4 : 2) * GROUP;
        int qh = minimum ? 4 : 2;
        for (int k = 0; k < blocks; k++) {
            int dst = k * (head + 4 * QUAD);
            copyScales(in, rb, k * sourceBytes, out, dst);
            if (minimum) {
                copyScales(in, rb, k * sourceBytes + 2, out, dst + 2 * GROUP);
            }
            for (int l = 0; l < GROUP; l++) {
                int src = l * rb + k * sourceBytes + qh;
                int bits = (in[src] & 0xFF) | (in[src + 1] & 0xFF) << 8 | (in[src + 2] & 0xFF) << 16 | (in[src + 3] & 0xFF) << 24;
                for (int j = 0; j < 16; j++) {
                    int q = in[src + 4 + j] & 0xFF;
                    int lo = (q & 0xF) | ((bits >>> j) & 1) << 4;
                    int hi = (q >>> 4) | ((bits >>> (j + 16)) & 1) << 4;
                    int quad = dst + head + QUAD * (j / 4);
                    out[quad + GROUP * (1 + j % 4) + l] = (byte) (lo | (hi << 5));
                    out[quad + l] |= (byte) ((hi >>> 3) << (2 * (j % 4)));
                }
            }
        }
    }

    /**
     * Q8_0/Q8_1-rounded activations widened to int16; per block 16·Σx of each half (see
     * {@link #dotGroups}); per block what to add to the integer sum (Q5_1: 16·Σx, so that it is
     * Σq·x; Q5_0: 0); Q5_1's rounded block sums {@code s} (else null).
     */
    record Prepared(short[] qs, float[] d, short[] bias, int[] offset, float[] sums) {
    }

    @Override
    Prepared prepare(float[] x) {
        QuantizedActivations a = minimum ? Q8_1Activations.of(x, 0, columns) : Q8_0Activations.of(x, 0, columns);
        byte[] q = a.quants();
        short[] qs = new short[columns];
        short[] bias = new short[2 * blocks];
        int[] offset = new int[blocks];
        for (int i = 0; i < columns; i++) {
            qs[i] = q[i];
            bias[i / 16] += (short) (16 * q[i]);
            if (minimum) {
                offset[i / BLOCK] += 16 * q[i];
            }
        }
        return new Prepared(qs, a.scales(), bias, offset, minimum ? ((Q8_1Activations) a).sums() : null);
    }

    @Override
    boolean tilesAgreeWithKernel() {
        return !minimum;
    }

    @Override
    float[] roundedActivations(float[] x, int offset, int n) {
        return (minimum ? Q8_1Activations.of(x, offset, n).toFloats() : Q8_0Activations.of(x, offset, n).toFloats());
    }

    /**
     * Token generation: per block and half (codes j and j + 16 for j < 16), the unsigned codes'
     * products summed in int16, where they may wrap: 16·Σx of that half subtracted, the result
     * Σ(q − 16)·x (|·| ≤ 16·16·127) fits, so the wrapped sum gives it exactly; then widened (and for
     * Q5_1 16·Σx added back).
     */
    @Override
    void dotGroups(int g0, int g1, Object prepared, float[] out, int outOffset) {
        Prepared p = (Prepared) prepared;
        short[] qs = p.qs();
        float[] dx = p.d();
        short[] bias = p.bias();
        int[] offset = p.offset();
        MemorySegment w = data;
        int nb = blocks;
        int stride = groupBlockBytes;
        int values = head;
        float[] m = new float[GROUP];
        for (int g = g0; g < g1; g++) {
            FloatVector acc = FloatVector.zero(F);
            long groupBase = (long) g * nb * stride;
            for (int k = 0; k < nb; k++) {
                long base = groupBase + (long) k * stride;
                int x = k * BLOCK;
                ShortVector lo = ShortVector.zero(S);
                ShortVector hi = ShortVector.zero(S);
                // two quads (eight byte positions) per pass, two passes (as Q4_0's eight columns per pass)
                for (int u = 0; u < 4; u += 2) {
                    for (int v = 0; v < 2; v++) {
                        long at = base + values + (long) QUAD * (u + v);
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
            }
            if (minimum) {
                // Σ m·s apart from the products (the plugin's and ggml's x86 order); the f16 minimums
                // converted outside the hot loop (inline they would swell it past C2's inlining budget)
                float[] sums = p.sums();
                FloatVector minAcc = FloatVector.zero(F);
                for (int k = 0; k < nb; k++) {
                    halvesToFloats(groupBase + (long) k * stride + 2 * GROUP, m, 0);
                    minAcc = minAcc.add(FloatVector.fromArray(F, m, 0).mul(sums[k]));
                }
                acc = acc.add(minAcc);
            }
            acc.intoArray(out, outOffset + g * GROUP);
        }
    }

    /** Q5_0: (q − 16)·d; Q5_1: q·d + m; column-major. */
    @Override
    void decodeGroup(int g, float[] dst, int dstOffset, int stride) {
        MemorySegment w = data;
        int nb = blocks;
        long groupBase = (long) g * nb * groupBlockBytes;
        float[] d = new float[GROUP];
        float[] m = new float[GROUP];
        int centre = minimum ? 0 : 16;
        for (int k = 0; k < nb; k++) {
            long base = groupBase + (long) k * groupBlockBytes;
            halvesToFloats(base, d, 0);
            FloatVector dv = FloatVector.fromArray(F, d, 0);
            if (minimum) {
                halvesToFloats(base + 2 * GROUP, m, 0);
            }
            FloatVector mv = FloatVector.fromArray(F, m, 0); // zeros for Q5_0: (q − 16)·d + 0 is (q − 16)·d
            int c = dstOffset + k * BLOCK * stride;
            for (int j = 0; j < 16; j++) {
                long quad = base + head + (long) QUAD * (j / 4);
                IntVector v = (IntVector) ByteVector.fromMemorySegment(B, w, quad + (long) GROUP * (1 + j % 4), ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector top = (IntVector) ByteVector.fromMemorySegment(B, w, quad, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector high = v.lanewise(VectorOperators.LSHR, 5)
                        .or(top.lanewise(VectorOperators.LSHR, 2 * (j % 4)).and(3).lanewise(VectorOperators.LSHL, 3));
                ((FloatVector) v.and(0x1F).sub(centre).convert(VectorOperators.I2F, 0)).mul(dv).add(mv)
                        .intoArray(dst, c + j * stride);
                ((FloatVector) high.sub(centre).convert(VectorOperators.I2F, 0)).mul(dv).add(mv)
                        .intoArray(dst, c + (16 + j) * stride);
            }
        }
    }
}
