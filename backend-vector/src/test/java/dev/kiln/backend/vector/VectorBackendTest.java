package dev.kiln.backend.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.Compute;
import org.junit.jupiter.api.Test;

class VectorBackendTest {

    @Test
    void isSupportedHereAndPreferredOverScalar() {
        VectorBackend backend = new VectorBackend();
        assertEquals("vector", backend.name());
        assertEquals(100, backend.preference());
        assertTrue(backend.unsupportedReason().isEmpty(), () -> backend.unsupportedReason().get());
    }

    @Test
    void opensAtThePreferredWidthWithTheRequestedThreads() {
        try (Compute c = new VectorBackend().open(2)) {
            assertEquals(2, c.threads());
            assertEquals(Lanes.preferred().bits(), ((VectorCompute) c).lanes().bits());
        }
    }
}
