package dev.kiln.runtime.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What a path names, so that a message can say "is a directory" or "is a FIFO (named pipe)"
 * instead of "no such file". Links are followed unless asked otherwise.
 */
public enum FileKind {
    MISSING("does not exist"),
    REGULAR("a regular file"),
    DIRECTORY("a directory"),
    SYMBOLIC_LINK("a symbolic link"),
    CHARACTER_DEVICE("a character device"),
    BLOCK_DEVICE("a block device"),
    FIFO("a FIFO (named pipe)"),
    SOCKET("a socket"),
    OTHER("not a regular file");

    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFSOCK = 0140000;

    private final String description;

    FileKind(String description) {
        this.description = description;
    }

    /** "a directory", "a character device", ... ({@code does not exist} for {@link #MISSING}). */
    public String description() {
        return description;
    }

    /** The kind of {@code path}, following symbolic links. */
    public static FileKind of(Path path) {
        return of(path, new LinkOption[0]);
    }

    /** The kind of {@code path} itself ({@link #SYMBOLIC_LINK} for a link). */
    public static FileKind ofLink(Path path) {
        return of(path, LinkOption.NOFOLLOW_LINKS);
    }

    private static FileKind of(Path path, LinkOption... options) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class, options);
        } catch (IOException e) {
            return MISSING;
        }
        if (a.isRegularFile()) {
            return REGULAR;
        }
        if (a.isDirectory()) {
            return DIRECTORY;
        }
        if (a.isSymbolicLink()) {
            return SYMBOLIC_LINK;
        }
        try {
            // Linux and the BSDs: the file type bits of st_mode name the kind
            int mode = (Integer) Files.getAttribute(path, "unix:mode", options);
            return switch (mode & S_IFMT) {
                case S_IFCHR -> CHARACTER_DEVICE;
                case S_IFBLK -> BLOCK_DEVICE;
                case S_IFIFO -> FIFO;
                case S_IFSOCK -> SOCKET;
                default -> OTHER;
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return OTHER;
        }
    }
}
