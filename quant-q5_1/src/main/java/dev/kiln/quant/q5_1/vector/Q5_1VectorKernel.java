package dev.kiln.quant.q5_1.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.activation.ActivationForm;
import dev.kiln.toolkit.quant.activation.Q8_1Activations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_1 × Q8_1 with the Vector API, as ggml's {@code vec_dot_q5_1_q8_1}: per block the 5-bit
 * codes × int8 activations summed in 16-bit lanes (the fifth bit added where {@code qh} as a lane
 * mask says so: one mask-register move, no vector work), widened and scaled by both scales; the
 * minimum's term {@code m · s} (s: the activations' rounded block sum) is a scalar per block.
 * The portable kernel's integer sums, so the two differ only by float rounding. Kept flat.
 * The int8 activations are loaded as bytes and widened in registers (KERNELS.md: half the L1
 * footprint of 16-bit copies, which mattered from 5632 columns on).
 */
public final class Q5_1VectorKernel extends BlockDotKernel<Q8_1Activations> {
    private static final int BLOCK = 32;
    private static final int BYTES = 24;
    private static final int BITS = Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS / 2));
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    private static final long LANE_BITS = (1L << L) - 1;
    /** d, m (f16) and qh (u32) read as one little-endian word. */
    private static final ValueLayout.OfLong HEAD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Q5_1VectorKernel() {
        super(GgmlType.Q5_1, ActivationForm.Q8_1);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8_1Activations x, int blocks) {
        byte[] xq = x.quants();
        float[] xd = x.scales();
        float[] xs = x.sums();
        FloatVector acc = FloatVector.zero(F);
        float minTerms = 0;
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            long head = weights.get(HEAD, at);
            FloatVector scale = FloatVector.broadcast(F, Float.float16ToFloat((short) head) * xd[b]);
            minTerms += Float.float16ToFloat((short) (head >>> 16)) * xs[b];
            long fifth = head >>> 32; // bit j set where value j's fifth bit is 1
            ByteVector q = ByteVector.fromMemorySegment(B, weights, at + 8, ByteOrder.LITTLE_ENDIAN);
            int xo = b * BLOCK;
            ByteVector xl = ByteVector.fromArray(B, xq, xo);
            ByteVector xh = ByteVector.fromArray(B, xq, xo + 16);
            for (int p = 0; p < 16 / L; p++) {
                ShortVector qs = (ShortVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p);
                ShortVector lo = qs.and((short) 0x0F)
                        .lanewise(VectorOperators.ADD, (short) 16, VectorMask.fromLong(S, (fifth >>> (p * L)) & LANE_BITS));
                ShortVector hi = qs.lanewise(VectorOperators.LSHR, 4)
                        .lanewise(VectorOperators.ADD, (short) 16, VectorMask.fromLong(S, (fifth >>> (16 + p * L)) & LANE_BITS));
                ShortVector prod = lo.mul((ShortVector) xl.convertShape(VectorOperators.B2S, S, p))
                        .add(hi.mul((ShortVector) xh.convertShape(VectorOperators.B2S, S, p)));
                IntVector sum = (IntVector) prod.convertShape(VectorOperators.S2I, I, 0);
                acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(scale, acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD) + minTerms;
    }
}
