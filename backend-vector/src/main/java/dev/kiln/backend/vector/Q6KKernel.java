package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K: 210-byte super-blocks of 256 values: ql[128] (low 4 bits), qh[64] (high 2 bits),
 * int8 scales[16] (one per 16 values), f16 d last. Each 128-value half uses 64 ql and 32 qh
 * bytes; for 16-byte chunk c the four 16-value groups at 0, 32, 64 and 96 take the low/high
 * nibbles of ql[c], ql[32 + c] and bit pairs 0-1, 2-3, 4-5, 6-7 of qh[c]. A value is
 * d·scale·(q − 32). The six-bit values are assembled on the 16-byte vector.
 */
final class Q6KKernel extends RowKernel {

    static final int BLOCK = 256;
    static final int BYTES = 210;

    Q6KKernel(Lanes lanes) {
        super(lanes);
    }

    private static ByteVector load(MemorySegment w, long at) {
        return ByteVector.fromMemorySegment(Lanes.BYTES, w, at, ByteOrder.LITTLE_ENDIAN);
    }

    private static float scale(MemorySegment w, long b, int i) {
        return w.get(ValueLayout.JAVA_BYTE, b + 192 + i);
    }

    @Override
    float dot(MemorySegment w, long offset, float[] x, int xOffset, int n, Object prepared) {
        float sum = 0;
        for (int k = 0; k < n / BLOCK; k++) {
            sum += superBlock(w, offset + (long) k * BYTES, x, xOffset + k * BLOCK);
        }
        return sum;
    }

    // One super-block per call, reduced to a float (see Q4KKernel.superBlock). Group g of chunk c
    // reads its low nibbles straight from ql at 32·(g & 1) + 16·c, so no vector is chosen by a branch.
    private float superBlock(MemorySegment w, long b, float[] x, int xb) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        float d = half(w, b + 208);
        FloatVector acc = FloatVector.zero(f);
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < 2; c++) {
                ByteVector qh = load(w, b + 128 + 32L * h + 16L * c);
                int xo = xb + 128 * h + 16 * c;
                for (int g = 0; g < 4; g++) {
                    ByteVector low = load(w, b + 64L * h + 32L * (g & 1) + 16L * c)
                            .lanewise(VectorOperators.LSHR, 4 * (g >> 1)).and((byte) 0x0F);
                    ByteVector q = low.or(qh.lanewise(VectorOperators.LSHR, 2 * g).and((byte) 3)
                            .lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    FloatVector t = FloatVector.zero(f);
                    for (int p = 0; p < 16 / step; p++) {
                        t = ((FloatVector) q.convertShape(VectorOperators.B2F, f, p))
                                .fma(FloatVector.fromArray(f, x, xo + 32 * g + p * step), t);
                    }
                    acc = t.fma(FloatVector.broadcast(f, d * scale(w, b, 8 * h + c + 2 * g)), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    void decode(MemorySegment w, long offset, float[] dst, int dstOffset, int n) {
        for (int k = 0; k < n / BLOCK; k++) {
            decodeSuperBlock(w, offset + (long) k * BYTES, dst, dstOffset + k * BLOCK);
        }
    }

    private void decodeSuperBlock(MemorySegment w, long b, float[] dst, int y) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        float d = half(w, b + 208);
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < 2; c++) {
                ByteVector qh = load(w, b + 128 + 32L * h + 16L * c);
                int yo = y + 128 * h + 16 * c;
                for (int g = 0; g < 4; g++) {
                    ByteVector low = load(w, b + 64L * h + 32L * (g & 1) + 16L * c)
                            .lanewise(VectorOperators.LSHR, 4 * (g >> 1)).and((byte) 0x0F);
                    ByteVector q = low.or(qh.lanewise(VectorOperators.LSHR, 2 * g).and((byte) 3)
                            .lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    FloatVector s = FloatVector.broadcast(f, d * scale(w, b, 8 * h + c + 2 * g));
                    for (int p = 0; p < 16 / step; p++) {
                        ((FloatVector) q.convertShape(VectorOperators.B2F, f, p)).mul(s).intoArray(dst, yo + 32 * g + p * step);
                    }
                }
            }
        }
    }
}
