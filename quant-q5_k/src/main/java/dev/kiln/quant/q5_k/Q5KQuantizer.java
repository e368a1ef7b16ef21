package dev.kiln.quant.q5_k;

import dev.kiln.toolkit.quant.kquant.ScaleMinQuantizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's reference Q5_K quantizer ({@code quantize_row_q5_K_ref}): the toolkit's
 * {@link ScaleMinQuantizer} with {@code make_qkx2_quants(32, 31, …, -0.5, 0.1, 15, false)} fits the
 * header and the levels (0-31), packed here as nibbles plus a fifth bit. Holds scratch buffers:
 * one instance per thread.
 */
final class Q5KQuantizer {
    private static final int NMAX = 31;

    private final ScaleMinQuantizer header = new ScaleMinQuantizer(NMAX, -0.5f, 0.1f, 15);
    private final byte[] qh = new byte[32];

    void quantizeBlock(float[] x, int xo, MemorySegment dst, long block) {
        int[] levels = header.quantize(x, xo, dst, block);
        java.util.Arrays.fill(qh, (byte) 0);
        long q = block + Q5KLayout.QS;
        for (int g = 0; g < 4; g++) {
            int n = 64 * g;
            for (int l = 0; l < 32; l++) {
                int lo = levels[n + l];
                int hi = levels[n + l + 32];
                qh[l] |= (byte) (((lo >> 4) << (2 * g)) | ((hi >> 4) << (2 * g + 1)));
                dst.set(ValueLayout.JAVA_BYTE, q + l, (byte) ((lo & 0xF) | ((hi & 0xF) << 4)));
            }
            q += 32;
        }
        MemorySegment.copy(qh, 0, dst, ValueLayout.JAVA_BYTE, block + Q5KLayout.QH, qh.length);
    }
}
