package dev.kiln.quant.q8_0;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.toolkit.quant.activation.Q8_0Activations;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Hand-worked Q8_0 blocks: the layout and ggml's exact rounding rules. */
class Q8_0Test {
    private final Q8_0 q8 = new Q8_0();

    private static float[] block(float fill) {
        float[] x = new float[32];
        java.util.Arrays.fill(x, fill);
        return x;
    }

    @Test
    void quantizeRoundsHalfAwayFromZeroLikeRoundf() {
        // amax 127 gives d = 1 and id = 1, so q = roundf(x) directly
        float[] x = block(0f);
        x[0] = 127f;
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.49999997f;
        x[4] = -126.5f;
        x[5] = 3.5f;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(34);
            q8.quantize(x, 0, 32, s, 0);
            assertEquals(0x3C00, s.get(Q8_0.F16, 0) & 0xFFFF, "d = 1.0 as f16");
            byte[] q = s.asSlice(2, 32).toArray(ValueLayout.JAVA_BYTE);
            assertEquals(127, q[0]);
            assertEquals(3, q[1]);
            assertEquals(-3, q[2]);
            assertEquals(0, q[3]);
            assertEquals(-127, q[4]);
            assertEquals(4, q[5]);
        }
    }

    @Test
    void dequantizeReadsLittleEndianF16ScaleThenSignedBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(2 * 34 + 1);
            // second block at an odd offset: unaligned reads must work
            long p = 1 + 34;
            s.set(ValueLayout.JAVA_BYTE, p, (byte) 0x00);
            s.set(ValueLayout.JAVA_BYTE, p + 1, (byte) 0x38); // 0x3800 = 0.5
            for (int j = 0; j < 32; j++) {
                s.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) (j - 16));
            }
            float[] out = new float[32];
            q8.dequantize(s, p, out, 0, 32);
            for (int j = 0; j < 32; j++) {
                assertEquals((j - 16) * 0.5f, out[j], "element " + j);
            }
        }
    }

    @Test
    void activationsRoundTiesToEvenWithScale127OverAmax() {
        // ggml-cpu's x86 quantize_row_q8_0: id = 127/amax, _mm256_round_ps nearest-even
        float[] x = block(0f);
        x[0] = -127f;
        x[1] = 2.5f;
        x[2] = 3.5f;
        x[3] = -0.5f;
        Q8_0Activations a = Q8_0Activations.of(x, 0, 32);
        assertEquals(1f, a.scale(0));
        assertEquals(-127, a.quant(0));
        assertEquals(2, a.quant(1));
        assertEquals(4, a.quant(2));
        assertEquals(0, a.quant(3));
    }

    @Test
    void activationScaleIsRoundedToF16() {
        float[] x = block(0.1f);
        Q8_0Activations a = Q8_0Activations.of(x, 0, 32);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(0.1f / 127f)), a.scale(0));
        assertEquals(127, a.quant(5));
    }

    @Test
    void kernelIsTheIntegerDotTimesBothScales() {
        try (Arena arena = Arena.ofConfined()) {
            float[] w = new float[64];
            float[] x = new float[64];
            for (int i = 0; i < 64; i++) {
                w[i] = (i % 5) - 2;
                x[i] = (i % 3) - 1;
            }
            w[0] = 127f; // block 0: d = 1
            w[32] = 63.5f; // block 1: d = 0.5
            x[1] = 127f;
            x[33] = -127f;
            MemorySegment s = arena.allocate(68);
            q8.quantize(w, 0, 64, s, 0);
            Q8_0Kernel k = new Q8_0Kernel();
            float got = k.dot(s, 0, k.prepare(x, 0, 64), 64);
            float[] back = new float[64];
            q8.dequantize(s, 0, back, 0, 64);
            double exact = 0;
            for (int i = 0; i < 64; i++) {
                exact += back[i] * x[i];
            }
            // all activations are integers with amax 127, so the Q8 rounding is exact
            assertEquals(exact, got, 1e-4);
        }
    }

    @Test
    void wholeTensorAndRowByRowGiveTheSameBytes() {
        float[] x = new float[96];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.37) * (1 + i);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = arena.allocate(3 * 34);
            MemorySegment rows = arena.allocate(3 * 34);
            q8.quantize(x, 0, 96, all, 0);
            for (int b = 0; b < 3; b++) {
                q8.quantize(x, 32 * b, 32, rows, 34L * b);
            }
            assertArrayEquals(all.toArray(ValueLayout.JAVA_BYTE), rows.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
