package dev.kiln.runtime.io;

import dev.kiln.api.KilnException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks on a file a command reads, with messages that say what is wrong: "no such file", "is a
 * directory", "is a FIFO (named pipe), not a regular file", "permission denied".
 */
public final class InputFiles {

    private InputFiles() {
    }

    /** {@code file} must be a readable regular file (a model, a plugin jar: both are mapped or opened as archives). */
    public static void requireRegular(Path file) {
        FileKind kind = FileKind.of(file);
        switch (kind) {
            case MISSING -> throw new KilnException(file + ": no such file");
            case REGULAR -> requireReadable(file);
            default -> throw new KilnException(file + " is " + kind.description() + ", not a regular file");
        }
    }

    /**
     * {@code file} must be readable as a stream: a regular file, or a pipe or device (as in
     * {@code -f <(zcat text.gz)}); a directory or a missing file is refused.
     */
    public static void requireStream(Path file) {
        FileKind kind = FileKind.of(file);
        switch (kind) {
            case MISSING -> throw new KilnException(file + ": no such file");
            case DIRECTORY, SOCKET -> throw new KilnException(file + " is " + kind.description() + ", not a file to read");
            default -> requireReadable(file);
        }
    }

    private static void requireReadable(Path file) {
        if (!Files.isReadable(file)) {
            throw new KilnException(file + ": permission denied");
        }
    }
}
