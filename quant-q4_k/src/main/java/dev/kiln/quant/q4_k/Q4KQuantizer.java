package dev.kiln.quant.q4_k;

import dev.kiln.toolkit.quant.kquant.ScaleMinQuantizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's reference Q4_K quantizer ({@code quantize_row_q4_K_ref}): the toolkit's
 * {@link ScaleMinQuantizer} with {@code make_qkx2_quants(32, 15, …, -1, 0.1, 20, false)} fits the
 * header and the levels, packed here as nibbles. Holds scratch buffers: one instance per thread.
 */
final class Q4KQuantizer {
    private static final int NMAX = 15;

    private final ScaleMinQuantizer header = new ScaleMinQuantizer(NMAX, -1f, 0.1f, 20);

    void quantizeBlock(float[] x, int xo, MemorySegment dst, long block) {
        int[] levels = header.quantize(x, xo, dst, block);
        long q = block + Q4KLayout.QS;
        for (int j = 0; j < Q4KLayout.BLOCK; j += 64) {
            for (int l = 0; l < 32; l++) {
                dst.set(ValueLayout.JAVA_BYTE, q + l, (byte) (levels[j + l] | (levels[j + l + 32] << 4)));
            }
            q += 32;
        }
    }
}
