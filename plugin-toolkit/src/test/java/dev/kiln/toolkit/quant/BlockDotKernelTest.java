package dev.kiln.toolkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.QuantException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every bad argument stops before the subclass's arithmetic runs, with a QuantException naming the type. */
class BlockDotKernelTest {

    /** Q8_0-shaped weights (34-byte blocks of 32): each block contributes its first byte times Σ x. */
    private static final class FirstByteKernel extends BlockDotKernel<float[]> {
        int calls;

        FirstByteKernel() {
            super(GgmlType.Q8_0);
        }

        @Override
        protected float[] prepareChecked(float[] x, int offset, int count) {
            return java.util.Arrays.copyOfRange(x, offset, offset + count);
        }

        @Override
        protected int preparedCount(float[] x) {
            return x.length;
        }

        @Override
        protected float dotBlocks(MemorySegment weights, long offset, float[] x, int blocks) {
            calls++;
            float sum = 0;
            for (int b = 0; b < blocks; b++) {
                byte w = weights.get(ValueLayout.JAVA_BYTE, offset + 34L * b);
                for (int j = 0; j < 32; j++) {
                    sum += w * x[32 * b + j];
                }
            }
            return sum;
        }
    }

    private final FirstByteKernel kernel = new FirstByteKernel();
    private final MemorySegment rows = MemorySegment.ofArray(new byte[3 * 68]);

    @Test
    void computesRowByRow() {
        for (int r = 0; r < 3; r++) {
            rows.set(ValueLayout.JAVA_BYTE, 68L * r, (byte) (r + 1));
            rows.set(ValueLayout.JAVA_BYTE, 68L * r + 34, (byte) -1);
        }
        float[] x = new float[64];
        java.util.Arrays.fill(x, 0, 32, 1f);
        float[] prepared = kernel.prepare(x, 0, 64);
        float[] out = new float[5];
        kernel.dotRows(rows, 0, 68, 3, prepared, 64, out, 1);
        assertArrayEquals(new float[] {0, 32, 64, 96, 0}, out);
        assertEquals(64f, kernel.dot(rows, 68, prepared, 64));
    }

    @Test
    void rejectsBadArgumentsBeforeTheArithmetic() {
        float[] x = kernel.prepare(new float[64], 0, 64);
        rejects(() -> kernel.prepare(new float[64], 0, 48));
        rejects(() -> kernel.prepare(new float[64], 32, 64));
        rejects(() -> kernel.prepare(null, 0, 32));
        rejects(() -> kernel.dot(rows, 0, null, 64));
        rejects(() -> kernel.dot(rows, 0, x, 96));
        rejects(() -> kernel.dot(rows, 3 * 68 - 34, x, 64));
        rejects(() -> kernel.dot(null, 0, x, 64));
        rejects(() -> kernel.dotRows(rows, 0, 68, 4, x, 64, new float[4], 0));
        rejects(() -> kernel.dotRows(rows, 0, 60, 2, x, 64, new float[2], 0));
        rejects(() -> kernel.dotRows(rows, 0, Long.MAX_VALUE, 3, x, 64, new float[3], 0));
        rejects(() -> kernel.dotRows(rows, 0, 68, -1, x, 64, new float[1], 0));
        rejects(() -> kernel.dotRows(rows, 0, 68, 2, x, 64, new float[2], 1));
        assertEquals(0, kernel.calls, "the arithmetic ran on a bad call");
    }

    private static void rejects(Executable call) {
        QuantException e = assertThrows(QuantException.class, call);
        assertTrue(e.getMessage().startsWith("Q8_0"), e.getMessage());
    }
}
