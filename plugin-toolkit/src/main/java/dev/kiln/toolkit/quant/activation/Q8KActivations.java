package dev.kiln.toolkit.quant.activation;

import dev.kiln.toolkit.quant.BlockRange;
import dev.kiln.toolkit.quant.NearestInt;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * An activation row quantized to ggml's Q8_K blocks (a float scale, 256 int8 values and the sum of
 * each 16 of them), the {@code vec_dot_type} llama.cpp's CPU backend multiplies K-quant weights
 * with. A {@link dev.kiln.api.quant.DotKernel} for such a type can return this from
 * {@code prepare}; the block sums let it apply per-group minimums or offsets once per group.
 *
 * <p>Rounded as ggml's {@code quantize_row_q8_K_ref}, bit for bit: the value of largest magnitude
 * (sign kept, first one wins) maps to -127, {@code q = min(127, nearest_int(-127 / max * x))} and
 * {@code scale = 1 / (-127 / max)}; an all-zero block has scale, values and sums zero.
 * Immutable once built; safe to read from many threads.
 */
public final class Q8KActivations extends QuantizedActivations {
    /** Values per block. */
    public static final int BLOCK = 256;
    /** Values per block sum. */
    public static final int SUM_GROUP = 16;

    private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final short[] bsums;

    private Q8KActivations(int count) {
        super(new byte[count], new float[count / BLOCK], BLOCK);
        this.bsums = new short[count / BLOCK * (BLOCK / SUM_GROUP)];
    }

    /**
     * Quantizes {@code count} activations starting at {@code x[offset]}.
     *
     * @throws dev.kiln.api.quant.QuantException if {@code x} is null, the range is outside it, or
     *         {@code count} is not a whole number of 256-element blocks
     */
    public static Q8KActivations of(float[] x, int offset, int count) {
        int blocks = BlockRange.blocks("Q8_K activations", count, BLOCK);
        BlockRange.checkArray("Q8_K activations", "activation", x, offset, count);
        Q8KActivations y = new Q8KActivations(count);
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
            for (int j = 0; j < BLOCK / SUM_GROUP; j++) {
                int sum = 0;
                for (int k = 0; k < SUM_GROUP; k++) {
                    sum += y.qs[qo + j * SUM_GROUP + k];
                }
                y.bsums[i * (BLOCK / SUM_GROUP) + j] = (short) sum;
            }
            y.d[i] = 1 / iscale;
        }
        return y;
    }

    /** The eight quantized values starting at {@code index}, little-endian in a long (value {@code index} in the low byte). */
    public long word(int index) {
        return (long) WORD.get(qs, index);
    }

    /** Σ quant over values {@code [16 * group, 16 * group + 16)}; block {@code b} has groups {@code 16b .. 16b + 15}. */
    public short blockSum(int group) {
        return bsums[group];
    }
}
