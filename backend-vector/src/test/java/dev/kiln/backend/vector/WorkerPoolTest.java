package dev.kiln.backend.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Test
    void everyPartRunsExactlyOnceAcrossManyLoops() {
        try (WorkerPool pool = new WorkerPool(3, "test")) {
            for (int round = 0; round < 2000; round++) {
                int parts = 1 + round % 17;
                AtomicIntegerArray runs = new AtomicIntegerArray(parts);
                pool.run(parts, (part, worker) -> runs.incrementAndGet(part));
                for (int p = 0; p < parts; p++) {
                    assertEquals(1, runs.get(p), "round " + round + " part " + p);
                }
            }
        }
    }

    @Test
    void aFailingPartIsRethrownToTheCallerAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2, "test")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(8, (part, worker) -> {
                if (part == 5) {
                    throw new IllegalStateException("part 5");
                }
            }));
            assertEquals("part 5", e.getMessage());
            AtomicIntegerArray runs = new AtomicIntegerArray(4);
            pool.run(4, (part, worker) -> runs.incrementAndGet(part));
            assertEquals(4, runs.get(0) + runs.get(1) + runs.get(2) + runs.get(3));
        }
    }

    @Test
    void aClosedPoolRefusesWork() {
        WorkerPool pool = new WorkerPool(2, "test");
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.run(2, (part, worker) -> { }));
    }
}
