package dev.kiln.runtime.io;

import dev.kiln.api.KilnException;
import java.io.IOException;

/**
 * Writing a command's output failed: the reader closed the pipe, the disk is full, the stream
 * was closed. Unchecked, so that it passes through {@code PrintWriter} and {@code PrintStream},
 * which swallow {@link IOException}s, and ends whatever was writing.
 */
public final class OutputWriteException extends KilnException {
    private static final long serialVersionUID = 1L;

    public OutputWriteException(String destination, IOException cause) {
        super("cannot write to " + destination + ": " + IoReason.of(cause), cause);
    }
}
