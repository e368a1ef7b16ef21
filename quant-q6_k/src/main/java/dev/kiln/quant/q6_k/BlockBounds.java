package dev.kiln.quant.q6_k;

import dev.kiln.api.quant.QuantException;
import java.lang.foreign.MemorySegment;

/** Argument checks shared by every entry point, so bad ranges fail with a {@link QuantException}. */
final class BlockBounds {
    private BlockBounds() {
    }

    /** Number of blocks in {@code count} elements; rejects counts that are not whole blocks. */
    static int blocks(String type, int count, int blockSize) {
        if (count < 0 || count % blockSize != 0) {
            throw new QuantException(type + ": element count " + count + " is not a non-negative multiple of "
                    + blockSize);
        }
        return count / blockSize;
    }

    static void array(String type, String what, int length, int offset, int count, boolean isNull) {
        if (isNull) {
            throw new QuantException(type + ": " + what + " array is null");
        }
        if (offset < 0 || (long) offset + count > length) {
            throw new QuantException(type + ": " + what + " range [" + offset + ", " + ((long) offset + count)
                    + ") is outside an array of length " + length);
        }
    }

    static void segment(String type, String what, MemorySegment segment, long offset, long bytes) {
        if (segment == null) {
            throw new QuantException(type + ": " + what + " segment is null");
        }
        if (offset < 0 || offset > segment.byteSize() || bytes > segment.byteSize() - offset) {
            throw new QuantException(type + ": " + what + " bytes [" + offset + ", " + (offset + bytes)
                    + ") are outside a segment of " + segment.byteSize() + " bytes");
        }
    }

    /** {@code rowCount} rows of {@code bytes} each, {@code rowBytes} apart from {@code offset}, lie in the segment. */
    static void rows(String type, MemorySegment segment, long offset, long rowBytes, int rowCount, long bytes) {
        if (rowCount < 0) {
            throw new QuantException(type + ": negative row count " + rowCount);
        }
        if (rowCount == 0) {
            return;
        }
        if (rowBytes < bytes) {
            throw new QuantException(type + ": row stride " + rowBytes + " is shorter than a row of " + bytes + " bytes");
        }
        long last;
        try {
            last = Math.addExact(offset, Math.multiplyExact(rowBytes, (long) rowCount - 1));
        } catch (ArithmeticException e) {
            throw new QuantException(type + ": " + rowCount + " rows of stride " + rowBytes + " from byte " + offset
                    + " overflow");
        }
        segment(type, "weight row " + (rowCount - 1), segment, last, bytes);
    }
}
