package dev.kiln.backend.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sums, exp and tanh that give the same bits whether the Vector API runs compiled or
 * interpreted. {@code reduceLanes(ADD)} adds the lanes in one order in Java and in another
 * (a tree) once C2 intrinsifies it, and {@code lanewise(EXP/TANH)} calls a different library;
 * then a row's result depended on how warm the JIT was, and a sequence decoded alone did not get
 * the bits it got in a shared step a moment earlier (continuous batching relies on them). These
 * use only lane extracts, adds, multiplies and fused multiply-adds, exact in every tier.
 */
final class LaneMath {
    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5 · 2²³: adding it rounds a float below 2²² to an integer (in the low mantissa bits). */
    private static final float ROUNDER = 12582912f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Below this exp(x) is not a normal float: 0. */
    private static final float EXP_MIN = -87.33654f;
    /** Above this exp(x) overflows: +Inf. */
    private static final float EXP_MAX = 88.72284f;
    /** |x| below this: tanh by its odd polynomial (1 - 2/(e^2x + 1) would cancel). */
    private static final float TANH_SMALL = 0.625f;

    private LaneMath() {
    }

    /** The lanes of {@code v} added in lane order (what the Java implementation of {@code reduceLanes(ADD)} does). */
    static float sum(FloatVector v) {
        float s = v.lane(0);
        for (int i = 1; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /**
     * e^x within about one float step (Cephes' expf: x = n·ln2 + r, |r| ≤ ln2/2, a degree-7
     * polynomial for e^r, times 2^n from the exponent bits); 0 below {@value #EXP_MIN}, +Inf
     * above {@value #EXP_MAX}, NaN for NaN.
     */
    static FloatVector exp(FloatVector x) {
        VectorSpecies<Float> f = x.species();
        FloatVector xc = x.max(EXP_MIN).min(88.0f);
        FloatVector n = xc.fma(FloatVector.broadcast(f, LOG2E), FloatVector.broadcast(f, ROUNDER)).sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(f, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(f, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(f, 1.9875691500E-4f), FloatVector.broadcast(f, 1.3981999507E-3f));
        p = p.fma(r, FloatVector.broadcast(f, 8.3334519073E-3f));
        p = p.fma(r, FloatVector.broadcast(f, 4.1665795894E-2f));
        p = p.fma(r, FloatVector.broadcast(f, 1.6666665459E-1f));
        p = p.fma(r, FloatVector.broadcast(f, 5.0000001201E-1f));
        FloatVector e = p.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector result = e.mul(bits.reinterpretAsFloats());
        VectorMask<Float> low = x.lt(EXP_MIN);
        VectorMask<Float> high = x.compare(VectorOperators.GT, 88.0f);
        // between 88 and the overflow point the clamped value is low by at most e^0.72: use the
        // exact overflow boundary for +Inf and keep e^88 · e^(x-88) below it
        if (high.anyTrue()) {
            FloatVector rest = exp(x.sub(88.0f).min(EXP_MAX - 88.0f).max(0f));
            result = result.blend(result.mul(rest), high);
            result = result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
        }
        result = result.blend(0f, low);
        return result.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** tanh(x) within a few float steps (Cephes' tanhf): an odd polynomial near 0, 1 − 2/(e^2|x| + 1) beyond. */
    static FloatVector tanh(FloatVector x) {
        VectorSpecies<Float> f = x.species();
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector p = z.fma(FloatVector.broadcast(f, -5.70498872745E-3f), FloatVector.broadcast(f, 2.06390887954E-2f));
        p = p.fma(z, FloatVector.broadcast(f, -5.37397155531E-2f));
        p = p.fma(z, FloatVector.broadcast(f, 1.33314422036E-1f));
        p = p.fma(z, FloatVector.broadcast(f, -3.33332819422E-1f));
        FloatVector small = p.mul(z).fma(x, x);
        FloatVector e = exp(a.add(a));
        FloatVector large = FloatVector.broadcast(f, 1f).sub(FloatVector.broadcast(f, 2f).div(e.add(1f)));
        large = large.blend(large.neg(), x.lt(0f));
        return large.blend(small, a.lt(TANH_SMALL));
    }
}
