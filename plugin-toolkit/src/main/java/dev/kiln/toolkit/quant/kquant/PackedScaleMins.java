package dev.kiln.toolkit.quant.kquant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The twelve bytes in which Q4_K and Q5_K keep eight 6-bit scales and eight 6-bit mins (ggml's
 * {@code get_scale_min_k4} reads them): sub-blocks 0-3 have theirs in the low 6 bits of bytes
 * 0-3 (scales) and 4-7 (mins); sub-blocks 4-7 have the low 4 bits in bytes 8-11 (scale in the low
 * nibble, min in the high one) and the high 2 bits in the spare top bits of bytes 0-3 and 4-7.
 * A kernel reads the twelve bytes as three little-endian words {@code w0, w4, w8}.
 */
public final class PackedScaleMins {
    /** Bytes taken. */
    public static final int BYTES = 12;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private PackedScaleMins() {
    }

    /** Scale of sub-block {@code j} (0-7) from the three words. */
    public static int scale(int w0, int w4, int w8, int j) {
        if (j < 4) {
            return (w0 >>> (8 * j)) & 63;
        }
        int k = j - 4;
        return ((w8 >>> (8 * k)) & 0xF) | (((w0 >>> (8 * k + 6)) & 3) << 4);
    }

    /** Min of sub-block {@code j} (0-7) from the three words. */
    public static int min(int w0, int w4, int w8, int j) {
        if (j < 4) {
            return (w4 >>> (8 * j)) & 63;
        }
        int k = j - 4;
        return ((w8 >>> (8 * k + 4)) & 0xF) | (((w4 >>> (8 * k + 6)) & 3) << 4);
    }

    /** Unpacks the eight scales into {@code sc[0..7]} and mins into {@code m[0..7]} from the bytes at {@code at}. */
    public static void unpack(MemorySegment s, long at, int[] sc, int[] m) {
        int w0 = s.get(U32, at);
        int w4 = s.get(U32, at + 4);
        int w8 = s.get(U32, at + 8);
        for (int j = 0; j < 8; j++) {
            sc[j] = scale(w0, w4, w8, j);
            m[j] = min(w0, w4, w8, j);
        }
    }

    /** Packs scale {@code ls} and min {@code lm} (0-63) of sub-block {@code j} into {@code packed}, which starts zeroed. */
    public static void pack(int j, int ls, int lm, byte[] packed) {
        if (j < 4) {
            packed[j] = (byte) ls;
            packed[j + 4] = (byte) lm;
        } else {
            packed[j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
            packed[j - 4] |= (byte) ((ls >> 4) << 6);
            packed[j] |= (byte) ((lm >> 4) << 6);
        }
    }

    /** Scale of sub-block {@code j} from packed bytes (as {@link #pack} leaves them). */
    public static int scale(byte[] packed, int j) {
        return j < 4 ? packed[j] & 63 : (packed[j + 4] & 0xF) | (((packed[j - 4] & 0xFF) >> 6) << 4);
    }

    /** Min of sub-block {@code j} from packed bytes. */
    public static int min(byte[] packed, int j) {
        return j < 4 ? packed[j + 4] & 63 : ((packed[j + 4] & 0xFF) >> 4) | (((packed[j] & 0xFF) >> 6) << 4);
    }
}
