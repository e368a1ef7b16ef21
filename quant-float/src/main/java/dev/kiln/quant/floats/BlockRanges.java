package dev.kiln.quant.floats;

import dev.kiln.api.quant.QuantException;
import java.lang.foreign.MemorySegment;

/** Argument checks shared by the float types: every range is validated before the first access. */
final class BlockRanges {
    private BlockRanges() {
    }

    /** Checks that {@code count} elements make whole blocks; returns the block count. */
    static int blocks(String type, int count, int blockSize) {
        if (count < 0 || count % blockSize != 0) {
            throw new QuantException(type + ": element count " + count + " is not a whole number of "
                    + blockSize + "-element blocks");
        }
        return count / blockSize;
    }

    /** Checks that {@code bytes} bytes at {@code offset} lie inside {@code segment}. */
    static void inSegment(String type, MemorySegment segment, long offset, long bytes) {
        if (segment == null) {
            throw new QuantException(type + ": segment is null");
        }
        if (offset < 0 || bytes < 0 || offset > segment.byteSize() - bytes) {
            throw new QuantException(type + ": bytes [" + offset + ", " + (offset + bytes) + ") are outside the "
                    + segment.byteSize() + "-byte segment");
        }
    }

    /** Checks that {@code count} elements from {@code offset} lie inside an array of {@code length}. */
    static void inArray(String type, String what, int length, int offset, int count) {
        if (offset < 0 || count < 0 || (long) offset + count > length) {
            throw new QuantException(type + ": " + what + " range [" + offset + ", " + ((long) offset + count)
                    + ") is outside the array of " + length);
        }
    }
}
