package dev.kiln.api.format;

import java.nio.file.Path;

/**
 * A model file format plugin (e.g. GGUF): opens files for reading and writes new ones.
 * Implementations are stateless and thread-safe.
 */
public interface ModelFormat {

    /** Short name, e.g. {@code gguf}. */
    String name();

    /** Whether the file looks like this format (checks the magic only; never throws for I/O). */
    boolean recognizes(Path file);

    /**
     * Opens, validates and maps {@code file}.
     *
     * @throws ModelFormatException if the file is malformed, truncated or unreadable
     */
    ModelFile open(Path file);

    /** Starts a new file at {@code file} (absent or empty); nothing is written until {@link ModelWriter#write()}. */
    ModelWriter create(Path file);
}
