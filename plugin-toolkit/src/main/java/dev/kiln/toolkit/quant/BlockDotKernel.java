package dev.kiln.toolkit.quant;

import dev.kiln.api.GgmlType;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A {@link DotKernel} for a block type with every argument checked once, before the type's own
 * loop runs: whole blocks, the activation range, the prepared activations, the weight bytes, the
 * rows of {@link #dotRows} and its output range. A bad call is a {@link QuantException} naming
 * the type, never an {@link IndexOutOfBoundsException}. Subclasses write only the arithmetic:
 * {@link #prepareChecked} (the activation form, e.g. {@code Q8KActivations.of}) and
 * {@link #dotBlocks}; a kernel that reads several rows in one pass overrides {@link #dotRowsChecked}.
 *
 * @param <A> the prepared activation form
 */
public abstract class BlockDotKernel<A> implements DotKernel<A> {
    private final String name;
    private final int blockSize;
    private final int blockBytes;

    /** A kernel for weights of {@code type}: its name goes into every error, its geometry into every check. */
    protected BlockDotKernel(GgmlType type) {
        Objects.requireNonNull(type, "type is null");
        this.name = type.name();
        this.blockSize = type.blockSize();
        this.blockBytes = type.blockBytes();
    }

    /** Converts {@code count} activations from {@code x[offset]}; the range and the whole blocks are checked. */
    protected abstract A prepareChecked(float[] x, int offset, int count);

    /** How many activations {@code x} holds (a dot may use fewer, never more). */
    protected abstract int preparedCount(A x);

    /** Σ w·x over {@code blocks} weight blocks from byte {@code offset}; every argument is checked. */
    protected abstract float dotBlocks(MemorySegment weights, long offset, A x, int blocks);

    /** The dot products of {@code rowCount} rows {@code rowBytes} apart; every argument is checked. */
    protected void dotRowsChecked(MemorySegment weights, long offset, long rowBytes, int rowCount, A x, int blocks,
                                  float[] out, int outOffset) {
        for (int r = 0; r < rowCount; r++) {
            out[outOffset + r] = dotBlocks(weights, offset + r * rowBytes, x, blocks);
        }
    }

    @Override
    public final A prepare(float[] x, int offset, int count) {
        BlockRange.blocks(name, count, blockSize);
        BlockRange.checkArray(name, "activation", x, offset, count);
        return prepareChecked(x, offset, count);
    }

    @Override
    public final float dot(MemorySegment weights, long offset, A x, int count) {
        return dotBlocks(weights, offset, x, check(weights, offset, x, count));
    }

    @Override
    public final void dotRows(MemorySegment weights, long offset, long rowBytes, int rowCount, A x, int count,
                              float[] out, int outOffset) {
        int blocks = check(weights, offset, x, count);
        BlockRange.checkRows(name, weights, offset, rowBytes, rowCount, (long) blocks * blockBytes);
        BlockRange.checkArray(name, "output", out, outOffset, rowCount);
        dotRowsChecked(weights, offset, rowBytes, rowCount, x, blocks, out, outOffset);
    }

    private int check(MemorySegment weights, long offset, A x, int count) {
        int blocks = BlockRange.blocks(name, count, blockSize);
        if (x == null) {
            throw new QuantException(name + ": activations are null");
        }
        int prepared = preparedCount(x);
        if (count > prepared) {
            throw new QuantException(name + ": dot over " + count + " elements but only " + prepared
                    + " activations were prepared");
        }
        BlockRange.checkSegment(name, "weight", weights, offset, (long) blocks * blockBytes);
        return blocks;
    }
}
