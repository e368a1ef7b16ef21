package dev.kiln.quant.iq4_xs.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.NonLinear4;
import dev.kiln.toolkit.quant.activation.ActivationForm;
import dev.kiln.toolkit.quant.activation.Q8KActivations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * IQ4_XS × Q8_K with the Vector API, as ggml's {@code vec_dot_iq4_xs_q8_K}: per 32-value block the
 * codes become codebook values by a table lookup in registers (at 512 bits on the widened 16-bit
 * lanes, one permute per 16 values; narrower, on the bytes before widening), are multiplied with
 * the int8 activations in 16-bit lanes (|sum of two| ≤ 2·127·127), widened, multiplied by the
 * block's signed 6-bit scale and summed in int32 lanes over the super-block (|sum| < 2^27), which
 * is then scaled once by both super-block scales. The eight block scales are unpacked first, in
 * one pass per super-block. The portable kernel's integer sums, so the two differ only by float
 * rounding. The int8 activations are loaded as bytes and widened in registers: half the L1
 * footprint of 16-bit copies, which mattered from 5632 columns on (KERNELS.md). Kept flat.
 */
public final class IQ4XSVectorKernel extends BlockDotKernel<Q8KActivations> {
    private static final int BLOCK = 256;
    private static final int BYTES = 136;
    private static final int BITS = Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS / 2));
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    private static final boolean WIDE = L >= 16;
    private static final ByteVector BYTE_TABLE = ByteVector.fromArray(B, NonLinear4.values(), 0);
    private static final ShortVector SHORT_TABLE = (ShortVector) BYTE_TABLE.convertShape(VectorOperators.B2S, S, 0);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** scales_h (u16) and scales_l (4 bytes) read as one little-endian word. */
    private static final ValueLayout.OfLong SCALES = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public IQ4XSVectorKernel() {
        super(GgmlType.IQ4_XS, ActivationForm.Q8_K);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8KActivations x, int blocks) {
        byte[] xq = x.quants();
        float[] xd = x.scales();
        int[] ls = new int[8];
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < blocks; i++) {
            long block = offset + (long) i * BYTES;
            FloatVector scale = FloatVector.broadcast(F, Float.float16ToFloat(weights.get(U16, block)) * xd[i]);
            long scales = weights.get(SCALES, block + 2);
            int high = (int) scales & 0xFFFF;
            int low = (int) (scales >>> 16);
            for (int ib = 0; ib < 8; ib++) {
                ls[ib] = (((low >>> (4 * ib)) & 0xF) | (((high >>> (2 * ib)) & 3) << 4)) - 32;
            }
            IntVector sum = IntVector.zero(I);
            for (int ib = 0; ib < 8; ib++) {
                ByteVector q = ByteVector.fromMemorySegment(B, weights, block + 8 + 16L * ib, ByteOrder.LITTLE_ENDIAN);
                int xo = i * BLOCK + ib * 32;
                ByteVector xl = ByteVector.fromArray(B, xq, xo);
                ByteVector xh = ByteVector.fromArray(B, xq, xo + 16);
                if (WIDE) {
                    ShortVector qs = (ShortVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector prod = qs.and((short) 0x0F).selectFrom(SHORT_TABLE).mul((ShortVector) xl.convertShape(VectorOperators.B2S, S, 0))
                            .add(qs.lanewise(VectorOperators.LSHR, 4).selectFrom(SHORT_TABLE)
                                    .mul((ShortVector) xh.convertShape(VectorOperators.B2S, S, 0)));
                    sum = ((IntVector) prod.convertShape(VectorOperators.S2I, I, 0)).mul(ls[ib]).add(sum);
                } else {
                    ByteVector lo = q.and((byte) 0x0F).selectFrom(BYTE_TABLE);
                    ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).selectFrom(BYTE_TABLE);
                    for (int p = 0; p < 16 / L; p++) {
                        ShortVector prod = ((ShortVector) lo.convertShape(VectorOperators.B2S, S, p))
                                .mul((ShortVector) xl.convertShape(VectorOperators.B2S, S, p))
                                .add(((ShortVector) hi.convertShape(VectorOperators.B2S, S, p))
                                        .mul((ShortVector) xh.convertShape(VectorOperators.B2S, S, p)));
                        sum = ((IntVector) prod.convertShape(VectorOperators.S2I, I, 0)).mul(ls[ib]).add(sum);
                    }
                }
            }
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(scale, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
