package dev.kiln.backend.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** F32 weights: four independent FMA chains so the loop is not bound by FMA latency. */
final class F32Kernel extends RowKernel {

    F32Kernel(Lanes lanes) {
        super(lanes);
    }

    @Override
    float dot(MemorySegment w, long offset, float[] x, int xOffset, int n, Object prepared) {
        VectorSpecies<Float> f = lanes.floats();
        int step = f.length();
        FloatVector a0 = FloatVector.zero(f);
        FloatVector a1 = FloatVector.zero(f);
        FloatVector a2 = FloatVector.zero(f);
        FloatVector a3 = FloatVector.zero(f);
        int i = 0;
        for (; i + 4 * step <= n; i += 4 * step) {
            long o = offset + 4L * i;
            a0 = FloatVector.fromMemorySegment(f, w, o, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(f, x, xOffset + i), a0);
            a1 = FloatVector.fromMemorySegment(f, w, o + 4L * step, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(f, x, xOffset + i + step), a1);
            a2 = FloatVector.fromMemorySegment(f, w, o + 8L * step, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(f, x, xOffset + i + 2 * step), a2);
            a3 = FloatVector.fromMemorySegment(f, w, o + 12L * step, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(f, x, xOffset + i + 3 * step), a3);
        }
        for (; i + step <= n; i += step) {
            a0 = FloatVector.fromMemorySegment(f, w, offset + 4L * i, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(f, x, xOffset + i), a0);
        }
        float sum = LaneMath.sum(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) {
            sum += w.get(F32, offset + 4L * i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    void decode(MemorySegment w, long offset, float[] dst, int dstOffset, int n) {
        MemorySegment.copy(w, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), offset,
                dst, dstOffset, n);
    }
}
