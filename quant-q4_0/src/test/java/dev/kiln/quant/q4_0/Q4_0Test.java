package dev.kiln.quant.q4_0;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Hand-worked Q4_0 blocks: nibble order and ggml's exact rounding rules. */
class Q4_0Test {
    private final Q4_0 q4 = new Q4_0();

    @Test
    void signedMaxSetsTheScaleAndTruncationOfXPlus8_5PicksTheNibble() {
        // the largest magnitude is -8, so d = -8 / -8 = 1 and id = 1: q = min(15, trunc(x + 8.5))
        float[] x = new float[32];
        x[0] = -8f;    // 0.5 -> 0
        x[1] = 0.5f;   // 9.0 -> 9
        x[2] = 0.49f;  // 8.99 -> 8
        x[3] = 7.9f;   // 16.4 -> 16 -> clamped to 15
        x[16] = -1f;   // 7.5 -> 7, high nibble of byte 0
        x[17] = 6.5f;  // 15.0 -> 15, high nibble of byte 1
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(18);
            q4.quantize(x, 0, 32, s, 0);
            assertEquals(0x3C00, s.get(Q4_0.F16, 0) & 0xFFFF, "d = 1.0 as f16");
            byte[] q = s.asSlice(2, 16).toArray(ValueLayout.JAVA_BYTE);
            assertEquals(0x70, q[0] & 0xFF);
            assertEquals(0xF9, q[1] & 0xFF);
            assertEquals(0x88, q[2] & 0xFF);
            assertEquals(0x8F, q[3] & 0xFF);
        }
    }

    @Test
    void positiveMaxGivesANegativeScale() {
        float[] x = new float[32];
        x[5] = 4f;
        x[6] = -4f; // same magnitude later in the block: the first one wins
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(18);
            q4.quantize(x, 0, 32, s, 0);
            assertEquals(-0.5f, Float.float16ToFloat(s.get(Q4_0.F16, 0)));
            float[] back = new float[32];
            q4.dequantize(s, 0, back, 0, 32);
            assertEquals(4f, back[5]);
            assertEquals(-3.5f, back[6], "-4 / -0.5 = 8 -> 16.5 -> clamped to 15 -> (15-8)*-0.5");
            assertEquals(0f, back[0], 0f, "(8 - 8) * d is a (negative) zero");
        }
    }

    @Test
    void dequantizeLowNibblesAreElements0To15HighNibbles16To31() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(19);
            long p = 1; // unaligned
            s.set(ValueLayout.JAVA_BYTE, p, (byte) 0x00);
            s.set(ValueLayout.JAVA_BYTE, p + 1, (byte) 0x40); // 0x4000 = 2.0
            for (int j = 0; j < 16; j++) {
                s.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) (j | (15 - j) << 4));
            }
            float[] out = new float[32];
            q4.dequantize(s, p, out, 0, 32);
            for (int j = 0; j < 16; j++) {
                assertEquals((j - 8) * 2f, out[j], "element " + j);
                assertEquals((7 - j) * 2f, out[j + 16], "element " + (j + 16));
            }
        }
    }

    @Test
    void kernelMatchesDequantizedDotForIntegerActivations() {
        try (Arena arena = Arena.ofConfined()) {
            float[] w = new float[64];
            float[] x = new float[64];
            for (int i = 0; i < 64; i++) {
                w[i] = (float) Math.cos(i);
                x[i] = (i * 7) % 255 - 127; // integers with amax 127 per block: Q8 rounding is exact
            }
            x[0] = -127;
            x[32] = 127;
            MemorySegment s = arena.allocate(36);
            q4.quantize(w, 0, 64, s, 0);
            Q4_0Kernel k = new Q4_0Kernel();
            float got = k.dot(s, 0, k.prepare(x, 0, 64), 64);
            float[] back = new float[64];
            q4.dequantize(s, 0, back, 0, 64);
            double exact = 0;
            for (int i = 0; i < 64; i++) {
                exact += back[i] * x[i];
            }
            assertEquals(exact, got, 1e-3);
        }
    }
}
