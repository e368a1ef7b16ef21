package dev.kiln.quant.q5_k;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's {@code block_q5_K}: 256 values in 176 bytes. f16 d at 0, f16 dmin at 2, twelve bytes
 * of 6-bit sub-block scales and mins at 4 (as Q4_K), 32 bytes of fifth bits at 16, 128 bytes of
 * nibbles at 48. Per 64 values {@code 64g .. 64g + 63}: the low nibbles of bytes {@code 32g ..
 * 32g + 31} are the first 32, the high nibbles the next 32; their fifth bits are bits {@code 2g}
 * and {@code 2g + 1} of the 32 qh bytes (value {@code 64g + l} and {@code 64g + 32 + l} use byte {@code l}).
 */
final class Q5KLayout {
    static final int BLOCK = 256;
    static final int BYTES = 176;
    static final int D = 0;
    static final int DMIN = 2;
    static final int SCALES = 4;
    static final int QH = 16;
    static final int QS = 48;

    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q5KLayout() {
    }

    static float d(MemorySegment s, long block) {
        return Float.float16ToFloat(s.get(F16, block + D));
    }

    static float dmin(MemorySegment s, long block) {
        return Float.float16ToFloat(s.get(F16, block + DMIN));
    }
}
