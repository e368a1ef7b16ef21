package dev.kiln.quant.q3_k;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's {@code block_q3_K}: 256 values in 110 bytes. 32 bytes of high bits (hmask) at 0, 64
 * bytes of low 2 bits at 32, twelve bytes of sixteen 6-bit scales at 96, f16 d at 108. Value
 * {@code 128n + 32j + l} has its low bits in bits {@code 2j, 2j + 1} of qs byte {@code 32n + l}
 * and its high bit in bit {@code 4n + j} of hmask byte {@code l}; it stands for {@code low − 4}
 * when that bit is clear and {@code low} when it is set, scaled by {@code d·(scale − 32)} of the
 * scale {@code 8n + 2j + l / 16}.
 */
final class Q3KLayout {
    static final int BLOCK = 256;
    static final int BYTES = 110;
    static final int HMASK = 0;
    static final int QS = 32;
    static final int SCALES = 96;
    static final int D = 108;

    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q3KLayout() {
    }

    static float d(MemorySegment s, long block) {
        return Float.float16ToFloat(s.get(F16, block + D));
    }

    /**
     * The sixteen signed scales (6 bits less 32), from the three little-endian words of the twelve
     * scale bytes: scale {@code j} has its low 4 bits in the low nibble of byte {@code j} (j &lt; 8)
     * or the high nibble of byte {@code j − 8}, and its high 2 bits in bits {@code 2·(j / 4)} of
     * byte {@code 8 + j % 4} (ggml's kmask unpacking).
     */
    static int scale(int w0, int w4, int w8, int j) {
        int low = j < 8 ? ((j < 4 ? w0 : w4) >>> (8 * (j & 3))) & 0xF : ((j < 12 ? w0 : w4) >>> (8 * (j & 3) + 4)) & 0xF;
        int high = (w8 >>> (8 * (j & 3) + 2 * (j >> 2))) & 3;
        return (low | (high << 4)) - 32;
    }

    /** All sixteen scales of the block at {@code block} into {@code sc[0..15]}. */
    static void scales(MemorySegment s, long block, int[] sc) {
        int w0 = s.get(U32, block + SCALES);
        int w4 = s.get(U32, block + SCALES + 4);
        int w8 = s.get(U32, block + SCALES + 8);
        for (int j = 0; j < 16; j++) {
            sc[j] = scale(w0, w4, w8, j);
        }
    }
}
