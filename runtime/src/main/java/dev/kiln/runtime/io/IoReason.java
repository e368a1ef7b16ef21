package dev.kiln.runtime.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * Why an I/O operation failed, in the words of a one-line message: "permission denied", "no
 * space left on device", "read-only file system". The JDK's own messages either hide the reason
 * (a {@link NoSuchFileException}'s message is only the path) or repeat the path.
 */
public final class IoReason {

    private IoReason() {
    }

    public static String of(IOException e) {
        return switch (e) {
            case NoSuchFileException x -> "no such file or directory";
            case AccessDeniedException x -> "permission denied";
            case FileAlreadyExistsException x -> "it already exists";
            case NotDirectoryException x -> "not a directory";
            case FileSystemException x when x.getReason() != null -> lowerFirst(x.getReason());
            default -> e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : lowerFirst(e.getMessage());
        };
    }

    private static String lowerFirst(String s) {
        // "No space left on device" -> "no space left on device"; leave acronyms ("EOF") alone
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))) {
            return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
        }
        return s;
    }
}
