package dev.kiln.toolkit.quant.kquant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PackedScaleMinsTest {

    /** ggml's get_scale_min_k4, written from its definition on a byte array. */
    private static int[] ggml(byte[] q, int j) {
        if (j < 4) {
            return new int[] {q[j] & 63, q[j + 4] & 63};
        }
        return new int[] {(q[j + 4] & 0xF) | (((q[j - 4] & 0xFF) >> 6) << 4),
                ((q[j + 4] & 0xFF) >> 4) | (((q[j] & 0xFF) >> 6) << 4)};
    }

    @Test
    void everyReaderReturnsWhatWasPacked() {
        Random rnd = new Random(3);
        for (int round = 0; round < 2000; round++) {
            int[] sc = new int[8];
            int[] m = new int[8];
            byte[] packed = new byte[PackedScaleMins.BYTES];
            for (int j = 0; j < 8; j++) {
                sc[j] = round < 64 ? round : rnd.nextInt(64);
                m[j] = round < 64 ? 63 - round : rnd.nextInt(64);
                PackedScaleMins.pack(j, sc[j], m[j], packed);
            }
            MemorySegment seg = MemorySegment.ofArray(new byte[20]);
            MemorySegment.copy(packed, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 5, packed.length);
            int[] gotSc = new int[8];
            int[] gotM = new int[8];
            PackedScaleMins.unpack(seg, 5, gotSc, gotM);
            assertArrayEquals(sc, gotSc);
            assertArrayEquals(m, gotM);
            int w0 = word(packed, 0);
            int w4 = word(packed, 4);
            int w8 = word(packed, 8);
            for (int j = 0; j < 8; j++) {
                assertArrayEquals(new int[] {sc[j], m[j]}, ggml(packed, j), "ggml's reading, sub-block " + j);
                assertEquals(sc[j], PackedScaleMins.scale(packed, j));
                assertEquals(m[j], PackedScaleMins.min(packed, j));
                assertEquals(sc[j], PackedScaleMins.scale(w0, w4, w8, j));
                assertEquals(m[j], PackedScaleMins.min(w0, w4, w8, j));
            }
        }
    }

    private static int word(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }
}
