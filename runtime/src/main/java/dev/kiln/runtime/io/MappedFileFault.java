package dev.kiln.runtime.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The JVM's report of a fault in a memory-mapped file: a read beyond the end of a model file
 * truncated under Kiln, or a write into an output file the disk has no room for (the kernel
 * sends SIGBUS; the JVM throws an {@link InternalError} "a fault occurred in an unsafe memory
 * access operation"). {@link #describe} turns it into one line naming the file.
 */
public final class MappedFileFault {
    /** Below this many free bytes, a write fault is taken for a full disk. */
    private static final long NEARLY_FULL = 64L << 20;

    private MappedFileFault() {
    }

    /** Whether {@code e} is such a fault. */
    public static boolean is(Throwable e) {
        return e instanceof InternalError && e.getMessage() != null && e.getMessage().contains("unsafe memory access");
    }

    /** One line: which file changed, or which output's disk is full, or the files that were in use. */
    public static String describe() {
        var changed = FilesInUse.changed();
        if (changed.isPresent()) {
            return changed.get();
        }
        for (OutputFile out : PartialFiles.open()) {
            long free = usableSpace(out.partial());
            if (free >= 0 && free < NEARLY_FULL) {
                return "cannot write " + out.target() + ": no space left on device (" + free / 1024 + " KiB free in "
                        + out.partial().getParent() + ")";
            }
        }
        List<Path> files = new java.util.ArrayList<>(FilesInUse.paths());
        PartialFiles.open().forEach(o -> files.add(o.target()));
        return "an I/O error in a memory-mapped file" + (files.isEmpty() ? "" : " (files in use: " + files + ")")
                + "; was a file changed, or a disk full or removed?";
    }

    private static long usableSpace(Path p) {
        try {
            return Files.getFileStore(p).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
