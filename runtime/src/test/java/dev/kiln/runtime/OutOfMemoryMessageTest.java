package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Issue 9, finding 7: out of memory is one line naming what ran out and the option that raises it. */
class OutOfMemoryMessageTest {
    private static final String WHERE = " (in KILN_JAVA_OPTS)";

    @Test
    void each_pool_names_its_option() {
        String heap = OutOfMemoryMessage.of(new OutOfMemoryError("Java heap space"), WHERE);
        assertTrue(heap.startsWith("out of memory: the Java heap (at most ") && heap.contains(" MiB) is full; raise it with -Xmx"
                + WHERE), heap);
        assertTrue(OutOfMemoryMessage.of(new OutOfMemoryError("Direct buffer memory"), WHERE)
                .endsWith("raise it with -XX:MaxDirectMemorySize" + WHERE));
        assertTrue(OutOfMemoryMessage.of(new OutOfMemoryError("Metaspace"), WHERE)
                .endsWith("raise it with -XX:MaxMetaspaceSize" + WHERE));
        assertTrue(OutOfMemoryMessage.of(new OutOfMemoryError("unable to create native thread: possibly out of memory"), WHERE)
                .contains("use fewer threads (-t)"));
        String array = OutOfMemoryMessage.of(new OutOfMemoryError("Requested array size exceeds VM limit"), WHERE);
        assertTrue(array.contains("(Requested array size exceeds VM limit)") && array.contains("-Xmx"), array);
        assertEquals(1, heap.lines().count());
    }
}
