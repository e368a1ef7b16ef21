package dev.kiln.toolkit.quant;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.quant.DotKernel;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class VectorKernelsTest {

    private static final DotKernel<Object> KERNEL = new DotKernel<>() {
        @Override
        public Object prepare(float[] x, int offset, int count) {
            return x;
        }

        @Override
        public float dot(MemorySegment weights, long offset, Object x, int count) {
            return 0;
        }
    };

    @Test
    void aKernelThatLinksIsReturned() {
        assertSame(KERNEL, VectorKernels.ifAvailable(() -> KERNEL).orElseThrow());
    }

    @Test
    void aKernelThatCannotLinkIsAbsent() {
        assertTrue(VectorKernels.ifAvailable(() -> {
            throw new NoClassDefFoundError("jdk/incubator/vector/FloatVector");
        }).isEmpty());
    }

    @Test
    void otherFailuresAreNotHidden() {
        assertThrows(IllegalStateException.class, () -> VectorKernels.ifAvailable(() -> {
            throw new IllegalStateException("a bug in the kernel's constructor");
        }));
    }
}
