package dev.kiln.api.format;

import dev.kiln.api.KilnException;
import java.nio.file.Path;

/**
 * A model file is malformed, truncated or hostile. Names the file, the byte offset where the
 * problem was found (-1 when it is not about one place) and the problem.
 */
public final class ModelFormatException extends KilnException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final long offset;
    private final String problem;

    public ModelFormatException(Path file, long offset, String problem) {
        this(file, offset, problem, null);
    }

    public ModelFormatException(Path file, long offset, String problem, Throwable cause) {
        super(file + (offset >= 0 ? " at byte " + offset : "") + ": " + problem, cause);
        this.file = file;
        this.offset = offset;
        this.problem = problem;
    }

    public Path file() {
        return file;
    }

    /** Byte offset in the file, or -1. */
    public long offset() {
        return offset;
    }

    public String problem() {
        return problem;
    }
}
