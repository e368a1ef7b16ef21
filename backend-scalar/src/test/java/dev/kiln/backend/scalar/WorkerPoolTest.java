package dev.kiln.backend.scalar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The scalar backend's own threads: every index once, failures surface, never the common pool. */
class WorkerPoolTest {

    @Test
    void coversEveryIndexOnceOnItsOwnPlatformThreads() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        try (WorkerPool pool = new WorkerPool(3)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(1001);
            pool.forRange(1001, (from, to) -> {
                threads.add(Thread.currentThread().getName());
                assertFalse(Thread.currentThread().isVirtual());
                for (int i = from; i < to; i++) {
                    seen.incrementAndGet(i);
                }
            });
            for (int i = 0; i < seen.length(); i++) {
                assertEquals(1, seen.get(i), "index " + i);
            }
        }
        assertTrue(threads.stream().noneMatch(n -> n.contains("ForkJoinPool")), threads.toString());
        assertTrue(threads.stream().anyMatch(n -> n.startsWith("kiln-scalar-")), threads.toString());
    }

    @Test
    void aFailureInAWorkerReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(3)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.forRange(9, (from, to) -> {
                if (from > 0) {
                    throw new IllegalStateException("share " + from);
                }
            }));
            assertTrue(e.getMessage().startsWith("share "));
        }
    }

    @Test
    void smallLoopsStayOnTheCaller() {
        try (WorkerPool pool = new WorkerPool(3)) {
            Thread caller = Thread.currentThread();
            pool.forRange(100, 1000, (from, to) -> {
                assertEquals(caller, Thread.currentThread());
                assertEquals(0, from);
                assertEquals(100, to);
            });
        }
    }
}
