package dev.kiln.toolkit.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.quant.QuantException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class BlockRangeTest {
    private final MemorySegment segment = Arena.ofAuto().allocate(100);

    @Test
    void countsWholeBlocks() {
        assertEquals(3, BlockRange.blocks("T", 96, 32));
        assertEquals(0, BlockRange.blocks("T", 0, 32));
        QuantException e = assertThrows(QuantException.class, () -> BlockRange.blocks("T", 33, 32));
        assertTrue(e.getMessage().startsWith("T: "), e.getMessage());
        assertThrows(QuantException.class, () -> BlockRange.blocks("T", -32, 32));
    }

    @Test
    void arrayRangeMustExist() {
        BlockRange.checkArray("T", "source", new float[8], 2, 6);
        BlockRange.checkArray("T", "source", new float[8], 8, 0);
        assertThrows(QuantException.class, () -> BlockRange.checkArray("T", "source", null, 0, 0));
        assertThrows(QuantException.class, () -> BlockRange.checkArray("T", "source", new float[8], 3, 6));
        assertThrows(QuantException.class, () -> BlockRange.checkArray("T", "source", new float[8], -1, 1));
        assertThrows(QuantException.class, () -> BlockRange.checkArray("T", "source", new float[8], 0, -1));
        assertThrows(QuantException.class,
                () -> BlockRange.checkArray("T", "source", new float[8], Integer.MAX_VALUE, 8));
    }

    @Test
    void segmentRangeMustExist() {
        BlockRange.checkSegment("T", "weight", segment, 0, 100);
        BlockRange.checkSegment("T", "weight", segment, 100, 0);
        assertThrows(QuantException.class, () -> BlockRange.checkSegment("T", "weight", null, 0, 0));
        assertThrows(QuantException.class, () -> BlockRange.checkSegment("T", "weight", segment, 1, 100));
        assertThrows(QuantException.class, () -> BlockRange.checkSegment("T", "weight", segment, -1, 1));
        assertThrows(QuantException.class, () -> BlockRange.checkSegment("T", "weight", segment, 0, -1));
        assertThrows(QuantException.class, () -> BlockRange.checkSegment("T", "weight", segment, Long.MAX_VALUE, 2));
    }

    @Test
    void rowsMustFitWithoutOverflow() {
        BlockRange.checkRows("T", segment, 0, 25, 4, 25);
        BlockRange.checkRows("T", segment, 0, 25, 0, 25);
        assertThrows(QuantException.class, () -> BlockRange.checkRows("T", segment, 0, 25, 5, 25));
        assertThrows(QuantException.class, () -> BlockRange.checkRows("T", segment, 0, 20, 2, 25));
        assertThrows(QuantException.class, () -> BlockRange.checkRows("T", segment, 0, 25, -1, 25));
        assertThrows(QuantException.class, () -> BlockRange.checkRows("T", segment, -50, 50, 2, 25));
        assertThrows(QuantException.class, () -> BlockRange.checkRows("T", segment, 10, Long.MAX_VALUE, 3, 25));
    }
}
