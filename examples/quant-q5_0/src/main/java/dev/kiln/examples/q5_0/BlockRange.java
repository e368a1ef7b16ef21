package dev.kiln.examples.q5_0;

import dev.kiln.api.quant.QuantException;
import java.lang.foreign.MemorySegment;

/** Argument checks: every bad offset or count is a QuantException with a message, never an IndexOutOfBounds. */
final class BlockRange {
    private BlockRange() {
    }

    /** {@code count} values (whole blocks) starting at byte {@code offset} lie inside {@code segment}. */
    static void checkBlocks(MemorySegment segment, long offset, int count) {
        if (count < 0 || count % Q5_0.BLOCK != 0) {
            throw new QuantException("Q5_0: " + count + " elements is not a whole number of 32-element blocks");
        }
        long bytes = (long) (count / Q5_0.BLOCK) * Q5_0.BYTES;
        if (offset < 0 || offset > segment.byteSize() || bytes > segment.byteSize() - offset) {
            throw new QuantException("Q5_0: " + count + " elements at byte " + offset + " need " + bytes
                    + " bytes; the segment has " + segment.byteSize());
        }
    }

    /** {@code array[offset .. offset + count)} exists and count is whole blocks. */
    static void checkArray(float[] array, int offset, int count, String what) {
        if (count < 0 || count % Q5_0.BLOCK != 0) {
            throw new QuantException("Q5_0: " + count + " elements is not a whole number of 32-element blocks");
        }
        if (offset < 0 || offset > array.length || count > array.length - offset) {
            throw new QuantException("Q5_0: " + what + " range " + offset + "+" + count + " is outside its array of "
                    + array.length);
        }
    }
}
