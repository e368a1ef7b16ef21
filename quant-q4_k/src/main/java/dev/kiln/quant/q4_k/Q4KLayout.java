package dev.kiln.quant.q4_k;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's {@code block_q4_K}: 256 values in 144 bytes. f16 d at 0, f16 dmin at 2, twelve bytes
 * of 6-bit sub-block scales and mins at 4, 128 bytes of nibbles at 16 (per 64 values: the low
 * nibbles of 32 bytes are the first 32 values, the high nibbles the next 32).
 */
final class Q4KLayout {
    static final int BLOCK = 256;
    static final int BYTES = 144;
    static final int D = 0;
    static final int DMIN = 2;
    static final int SCALES = 4;
    static final int QS = 16;

    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q4KLayout() {
    }

    static float d(MemorySegment s, long block) {
        return Float.float16ToFloat(s.get(F16, block + D));
    }

    static float dmin(MemorySegment s, long block) {
        return Float.float16ToFloat(s.get(F16, block + DMIN));
    }
}
