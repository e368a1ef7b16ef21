package dev.kiln.toolkit.quant;

import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantException;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.MemorySegment;

/**
 * Argument checks for {@link QuantType} and {@link DotKernel} implementations: that an element
 * count is whole blocks, and that an array range, a segment range or a run of weight rows exists,
 * so that a bad call fails with a {@link QuantException} naming the type before the first access,
 * never with an {@link IndexOutOfBoundsException} or a {@link NullPointerException}.
 *
 * <p>{@code type} is the name put in front of every message (e.g. {@code "Q4_K"}); {@code what}
 * names the argument (e.g. {@code "source"}, {@code "activation"}).
 */
public final class BlockRange {
    private BlockRange() {
    }

    /**
     * The number of {@code blockSize}-element blocks in {@code count} elements.
     *
     * @throws QuantException if {@code count} is negative or not a multiple of {@code blockSize}
     */
    public static int blocks(String type, int count, int blockSize) {
        if (count < 0) {
            throw new QuantException(type + ": element count " + count + " is negative");
        }
        if (count % blockSize != 0) {
            throw new QuantException(type + ": element count " + count + " is not a whole number of "
                    + blockSize + "-element blocks");
        }
        return count / blockSize;
    }

    /**
     * Checks the arguments of a {@link QuantType#dequantize} call on {@code type}: whole blocks,
     * the source blocks inside {@code src}, the destination range inside {@code dst}.
     *
     * @return the number of blocks
     * @throws QuantException otherwise
     */
    public static int forDequantize(QuantType type, MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int blocks = blocks(type.name(), count, type.blockSize());
        checkSegment(type.name(), "source", src, offset, (long) blocks * type.blockBytes());
        checkArray(type.name(), "destination", dst, dstOffset, count);
        return blocks;
    }

    /**
     * Checks the arguments of a {@link QuantType#quantize} call on {@code type}: whole blocks, the
     * source range inside {@code src}, the destination blocks inside a writable {@code dst}.
     *
     * @return the number of blocks
     * @throws QuantException otherwise
     */
    public static int forQuantize(QuantType type, float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        int blocks = blocks(type.name(), count, type.blockSize());
        checkArray(type.name(), "source", src, srcOffset, count);
        checkSegment(type.name(), "destination", dst, offset, (long) blocks * type.blockBytes());
        if (dst.isReadOnly()) {
            throw new QuantException(type.name() + ": destination segment is read-only");
        }
        return blocks;
    }

    /**
     * Checks that {@code array} is not null and that {@code array[offset .. offset + count)} lies in it.
     *
     * @throws QuantException otherwise
     */
    public static void checkArray(String type, String what, float[] array, int offset, int count) {
        if (array == null) {
            throw new QuantException(type + ": " + what + " array is null");
        }
        if (offset < 0 || count < 0 || (long) offset + count > array.length) {
            throw new QuantException(type + ": " + what + " range [" + offset + ", " + ((long) offset + count)
                    + ") is outside an array of length " + array.length);
        }
    }

    /**
     * Checks that {@code segment} is not null and that its bytes {@code [offset, offset + bytes)} exist.
     *
     * @throws QuantException otherwise
     */
    public static void checkSegment(String type, String what, MemorySegment segment, long offset, long bytes) {
        if (segment == null) {
            throw new QuantException(type + ": " + what + " segment is null");
        }
        if (offset < 0 || bytes < 0 || offset > segment.byteSize() || bytes > segment.byteSize() - offset) {
            throw new QuantException(type + ": " + what + " bytes [" + offset + ", " + (offset + bytes)
                    + ") are outside a segment of " + segment.byteSize() + " bytes");
        }
    }

    /**
     * Checks the weight rows of {@link DotKernel#dotRows}: {@code rowCount} rows, each using
     * {@code bytes} bytes, starting {@code rowBytes} apart from byte {@code offset}, all lie in
     * {@code segment} (without overflow), and the stride is at least a row.
     *
     * @throws QuantException otherwise
     */
    public static void checkRows(String type, MemorySegment segment, long offset, long rowBytes, int rowCount,
                                 long bytes) {
        if (rowCount < 0) {
            throw new QuantException(type + ": negative row count " + rowCount);
        }
        if (rowCount == 0) {
            return;
        }
        if (rowBytes < bytes) {
            throw new QuantException(type + ": row stride " + rowBytes + " is shorter than a row of " + bytes + " bytes");
        }
        checkSegment(type, "weight row 0", segment, offset, bytes);
        long last;
        try {
            last = Math.addExact(offset, Math.multiplyExact(rowBytes, (long) rowCount - 1));
        } catch (ArithmeticException e) {
            throw new QuantException(type + ": " + rowCount + " rows of stride " + rowBytes + " from byte " + offset
                    + " overflow");
        }
        checkSegment(type, "weight row " + (rowCount - 1), segment, last, bytes);
    }
}
