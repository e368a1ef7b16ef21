package dev.kiln.runtime.io;

import dev.kiln.api.KilnException;
import java.nio.file.Path;

/** The output file exists and replacing it was not asked for (the CLI's {@code --force}). */
public final class OutputExistsException extends KilnException {
    private static final long serialVersionUID = 1L;

    public OutputExistsException(Path target) {
        super(target + " already exists; not replacing it");
    }
}
