package dev.kiln.quant.q5_0.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.toolkit.quant.BlockDotKernel;
import dev.kiln.toolkit.quant.activation.ActivationForm;
import dev.kiln.toolkit.quant.activation.Q8_0Activations;
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
 * Q5_0 × Q8_0 with the Vector API, the integer way of ggml's {@code vec_dot_q5_0_q8_0}. Per
 * block the 16 nibble bytes are widened once to 16-bit lanes and split; the fifth bits cost no
 * vector work, because bit {@code j} of {@code qh} belongs to lane {@code j}: the complement of
 * {@code qh} is a lane mask as it stands ({@code VectorMask.fromLong}, one mask-register move),
 * and {@code code − 16} is the nibble minus 16 where that mask is set. Codes × int8 activations
 * are summed in 16 bits (|sum of two| ≤ 2·16·127), widened, and scaled by both block scales
 * into a float accumulator: the portable kernel's integer sums, so the two differ only by float
 * rounding. The int8 activations are loaded as bytes and widened in registers: half the L1
 * footprint of 16-bit copies, which mattered from 5632 columns on (KERNELS.md).
 * Kept flat: C2 emits SIMD code only when every vector call is inlined.
 */
public final class Q5_0VectorKernel extends BlockDotKernel<Q8_0Activations> {
    private static final int BLOCK = 32;
    private static final int BYTES = 22;
    private static final int BITS = Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS / 2));
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** Lanes per part: a half block (16 values) is 16 / L parts. */
    private static final int L = F.length();
    private static final long LANE_BITS = (1L << L) - 1;
    /** d (f16) and qh (u32) read as one little-endian word. */
    private static final ValueLayout.OfLong HEAD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Q5_0VectorKernel() {
        super(GgmlType.Q5_0, ActivationForm.Q8_0);
    }

    @Override
    protected float dotBlocks(MemorySegment weights, long offset, Q8_0Activations x, int blocks) {
        byte[] xq = x.quants();
        float[] xd = x.scales();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            long head = weights.get(HEAD, at);
            FloatVector scale = FloatVector.broadcast(F, Float.float16ToFloat((short) head) * xd[b]);
            long clear = ~(head >>> 16); // bit j set where value j's fifth bit is 0
            ByteVector q = ByteVector.fromMemorySegment(B, weights, at + 6, ByteOrder.LITTLE_ENDIAN);
            int xo = b * BLOCK;
            ByteVector xl = ByteVector.fromArray(B, xq, xo);
            ByteVector xh = ByteVector.fromArray(B, xq, xo + 16);
            for (int p = 0; p < 16 / L; p++) {
                ShortVector qs = (ShortVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, p);
                ShortVector lo = qs.and((short) 0x0F)
                        .lanewise(VectorOperators.SUB, (short) 16, VectorMask.fromLong(S, (clear >>> (p * L)) & LANE_BITS));
                ShortVector hi = qs.lanewise(VectorOperators.LSHR, 4)
                        .lanewise(VectorOperators.SUB, (short) 16, VectorMask.fromLong(S, (clear >>> (16 + p * L)) & LANE_BITS));
                ShortVector prod = lo.mul((ShortVector) xl.convertShape(VectorOperators.B2S, S, p))
                        .add(hi.mul((ShortVector) xh.convertShape(VectorOperators.B2S, S, p)));
                IntVector sum = (IntVector) prod.convertShape(VectorOperators.S2I, I, 0);
                acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(scale, acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
