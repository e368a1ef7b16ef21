package dev.kiln.runtime.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM's report of a fault in a memory-mapped file: a read beyond the end of a model file
 * truncated under Kiln, or a write into an output file the disk has no room for (the kernel
 * sends SIGBUS; the JVM throws an {@link InternalError} "a fault occurred in an unsafe memory
 * access operation"). {@link #describe} turns it into one line naming the file.
 */
public final class MappedFileFault {
    private MappedFileFault() {
    }

    /** Whether {@code e} is such a fault. */
    public static boolean is(Throwable e) {
        return e instanceof InternalError && e.getMessage() != null && e.getMessage().contains("unsafe memory access");
    }

    /**
     * One line: which model file changed while in use, or else the files that were in use.
     * (A writer that finds its disk full says so itself: it knows the file it was filling.)
     */
    public static String describe() {
        var changed = FilesInUse.changed();
        if (changed.isPresent()) {
            return changed.get();
        }
        List<Path> files = new ArrayList<>(FilesInUse.paths());
        PartialFiles.open().forEach(o -> files.add(o.target()));
        return "an I/O error in a memory-mapped file" + (files.isEmpty() ? "" : " (files in use: " + files + ")")
                + "; was a file changed or removed, or a disk full?";
    }
}
