package dev.kiln.runtime.io;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The output files being written in this JVM, so that a shutdown (SIGINT, SIGTERM, SIGHUP,
 * {@code System.exit}) removes their partial files instead of leaving a full-size, hidden copy
 * behind. One shutdown hook, installed with the first registration.
 */
final class PartialFiles {
    private static final Set<OutputFile> OPEN = ConcurrentHashMap.newKeySet();
    private static boolean hookInstalled;

    private PartialFiles() {
    }

    /** @throws IllegalStateException if the JVM is already shutting down */
    static synchronized void register(OutputFile file) {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("kiln-partial-files").unstarted(PartialFiles::abandonAll));
            hookInstalled = true;
        }
        OPEN.add(file);
    }

    static void unregister(OutputFile file) {
        OPEN.remove(file);
    }

    /** The output files not yet committed or closed. */
    static Set<OutputFile> open() {
        return Set.copyOf(OPEN);
    }

    private static void abandonAll() {
        for (OutputFile f : OPEN) {
            f.abandon();
        }
    }
}
