package dev.kiln.quant.q2_k;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's {@code block_q2_K}: 256 values in 84 bytes. Sixteen scale bytes at 0 (per 16 values: a
 * 4-bit scale in the low nibble, a 4-bit min in the high one), 64 bytes of 2-bit values at 16,
 * f16 d at 80 and f16 dmin at 82. Per 128 values {@code 128n ..}: value {@code 128n + 32j + l}
 * is bits {@code 2j, 2j + 1} of byte {@code 32n + l}, scaled by scale byte {@code 8n + 2j + l / 16};
 * a value is {@code d·scale·q − dmin·min}.
 */
final class Q2KLayout {
    static final int BLOCK = 256;
    static final int BYTES = 84;
    static final int SCALES = 0;
    static final int QS = 16;
    static final int D = 80;
    static final int DMIN = 82;

    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q2KLayout() {
    }

    static float d(MemorySegment s, long block) {
        return Float.float16ToFloat(s.get(F16, block + D));
    }

    static float dmin(MemorySegment s, long block) {
        return Float.float16ToFloat(s.get(F16, block + DMIN));
    }

    /** Scale byte {@code j} (0-15), unsigned. */
    static int scaleByte(MemorySegment s, long block, int j) {
        return s.get(ValueLayout.JAVA_BYTE, block + SCALES + j) & 0xFF;
    }
}
