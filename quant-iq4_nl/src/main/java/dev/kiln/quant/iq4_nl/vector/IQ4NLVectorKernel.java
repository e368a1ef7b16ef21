package dev.kiln.quant.iq4_nl.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.NonLinear4;
import dev.kiln.toolkit.quant.activation.ActivationForm;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
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
 * IQ4_NL × Q8_0 with the Vector API, as ggml's {@code vec_dot_iq4_nl_q8_0}: per block the codes
 * become codebook values by a table lookup in registers (at 512 bits on the widened 16-bit lanes,
 * one permute per 16 values; narrower, on the bytes before widening), are multiplied with the int8
 * activations in 16-bit lanes (|sum of two| ≤ 2·127·127), widened and scaled by both block
 * scales. The portable kernel's integer sums, so the two differ only by float rounding. Kept flat.
 * The int8 activations are loaded as bytes and widened in registers (KERNELS.md: half the L1
 * footprint of 16-bit copies, which mattered from 5632 columns on).
 */
public final class IQ4NLVectorKernel extends BlockDotKernel<Q8_0Activations> {
    private static final int BLOCK = 32;
    private static final int BYTES = 18;
    private static final int BITS = Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS / 2));
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    /** Sixteen 16-bit lanes hold the whole codebook: look up after widening (else on the bytes). */
    private static final boolean WIDE = L >= 16;
    private static final ByteVector BYTE_TABLE = ByteVector.fromArray(B, NonLinear4.values(), 0);
    private static final ShortVector SHORT_TABLE = (ShortVector) BYTE_TABLE.convertShape(VectorOperators.B2S, S, 0);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public IQ4NLVectorKernel() {
        super(GgmlType.IQ4_NL, ActivationForm.Q8_0);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8_0Activations x, int blocks) {
        byte[] xq = x.quants();
        float[] xd = x.scales();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            FloatVector scale = FloatVector.broadcast(F, Float.float16ToFloat(weights.get(F16, at)) * xd[b]);
            ByteVector q = ByteVector.fromMemorySegment(B, weights, at + 2, ByteOrder.LITTLE_ENDIAN);
            int xo = b * BLOCK;
            ByteVector xl = ByteVector.fromArray(B, xq, xo);
            ByteVector xh = ByteVector.fromArray(B, xq, xo + 16);
            if (WIDE) {
                ShortVector qs = (ShortVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                ShortVector prod = qs.and((short) 0x0F).selectFrom(SHORT_TABLE).mul((ShortVector) xl.convertShape(VectorOperators.B2S, S, 0))
                        .add(qs.lanewise(VectorOperators.LSHR, 4).selectFrom(SHORT_TABLE)
                                .mul((ShortVector) xh.convertShape(VectorOperators.B2S, S, 0)));
                IntVector sum = (IntVector) prod.convertShape(VectorOperators.S2I, I, 0);
                acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(scale, acc);
            } else {
                ByteVector lo = q.and((byte) 0x0F).selectFrom(BYTE_TABLE);
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).selectFrom(BYTE_TABLE);
                for (int p = 0; p < 16 / L; p++) {
                    ShortVector prod = ((ShortVector) lo.convertShape(VectorOperators.B2S, S, p))
                            .mul((ShortVector) xl.convertShape(VectorOperators.B2S, S, p))
                            .add(((ShortVector) hi.convertShape(VectorOperators.B2S, S, p))
                                    .mul((ShortVector) xh.convertShape(VectorOperators.B2S, S, p)));
                    IntVector sum = (IntVector) prod.convertShape(VectorOperators.S2I, I, 0);
                    acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(scale, acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
