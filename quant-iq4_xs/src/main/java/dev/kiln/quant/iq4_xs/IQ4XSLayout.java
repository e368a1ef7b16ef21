package dev.kiln.quant.iq4_xs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's {@code block_iq4_xs}, 136 bytes per 256 values: an f16 super-block scale {@code d},
 * then the eight 6-bit block scales (stored plus 32) as their high two bits ({@code scales_h},
 * a little-endian u16, two bits per block) and low four bits ({@code scales_l}, 4 bytes, two
 * blocks per byte, the even block in the low nibble), then 128 bytes of codes on the
 * {@code kvalues_iq4nl} codebook: 16 bytes per 32-value block, value {@code j} in the low
 * nibble of byte {@code j}, value {@code j + 16} in its high nibble.
 */
final class IQ4XSLayout {
    static final int BLOCK = 256;
    static final int BYTES = 136;
    static final int SUB_BLOCK = 32;
    static final int SCALES_H = 2;
    static final int SCALES_L = 4;
    static final int QS = 8;
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private IQ4XSLayout() {
    }

    static float d(MemorySegment s, long block) {
        return Float.float16ToFloat(s.get(U16, block));
    }

    /**
     * The signed scale of block {@code ib} (−32..31) from {@code high} (the u16 {@code scales_h})
     * and {@code low} (the four {@code scales_l} bytes as a little-endian int).
     */
    static int scale(int high, int low, int ib) {
        return (((low >>> (4 * ib)) & 0xF) | (((high >>> (2 * ib)) & 3) << 4)) - 32;
    }
}
