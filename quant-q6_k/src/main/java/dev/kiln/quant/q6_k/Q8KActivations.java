package dev.kiln.quant.q6_k;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Activations quantized as ggml's Q8_K blocks (float scale, 256 int8, int16 sums per 16), the
 * form llama.cpp's CPU backend multiplies K-quant weights with. Built once per activation row
 * and read by any number of threads.
 */
final class Q8KActivations {
    static final int BLOCK = 256;
    private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    final int count;
    final float[] d;
    final byte[] qs;
    final short[] bsums;

    private Q8KActivations(int count) {
        this.count = count;
        int blocks = count / BLOCK;
        this.d = new float[blocks];
        this.qs = new byte[count];
        this.bsums = new short[blocks * 16];
    }

    /** The eight quantized activations starting at {@code index}, little-endian in a long. */
    long word(int index) {
        return (long) WORD.get(qs, index);
    }

    /** ggml's {@code quantize_row_q8_K_ref}: scale so the largest magnitude maps to ±127. */
    static Q8KActivations quantize(float[] x, int offset, int count) {
        Q8KActivations y = new Q8KActivations(count);
        int blocks = count / BLOCK;
        for (int i = 0; i < blocks; i++) {
            int xo = offset + i * BLOCK;
            float max = 0;
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) {
                float ax = Math.abs(x[xo + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xo + j];
                }
            }
            if (amax == 0) {
                continue; // d, qs and bsums stay zero
            }
            float iscale = -127f / max;
            int qo = i * BLOCK;
            for (int j = 0; j < BLOCK; j++) {
                y.qs[qo + j] = (byte) Math.min(127, NearestInt.of(iscale * x[xo + j]));
            }
            for (int j = 0; j < 16; j++) {
                int sum = 0;
                for (int k = 0; k < 16; k++) {
                    sum += y.qs[qo + j * 16 + k];
                }
                y.bsums[i * 16 + j] = (short) sum;
            }
            y.d[i] = 1 / iscale;
        }
        return y;
    }
}
