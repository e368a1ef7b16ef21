package dev.kiln.quant.q6_k;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's {@code block_q6_K}: 256 values in 210 bytes. ql[128] (low 4 bits) at 0, qh[64] (high
 * 2 bits) at 128, int8 scales[16] (one per 16 values) at 192, f16 d at 208 — at the end.
 * Per 128 values: ql[l] holds values l (low nibble) and l+64 (high nibble), ql[l+32] values l+32
 * and l+96; qh[l] holds the high bits of l, l+32, l+64, l+96 in bit pairs 0-1, 2-3, 4-5, 6-7.
 */
final class Q6KLayout {
    static final int BLOCK = 256;
    static final int BYTES = 210;
    static final int QL = 0;
    static final int QH = 128;
    static final int SCALES = 192;
    static final int D = 208;

    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q6KLayout() {
    }

    static float d(MemorySegment s, long block) {
        return Float.float16ToFloat(s.get(F16, block + D));
    }

    /** Signed scale of the 16-value group {@code j} (0-15). */
    static int scale(MemorySegment s, long block, int j) {
        return s.get(ValueLayout.JAVA_BYTE, block + SCALES + j);
    }
}
