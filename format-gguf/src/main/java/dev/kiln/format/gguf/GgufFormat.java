package dev.kiln.format.gguf;

import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.format.ModelWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * GGUF, llama.cpp's model file format (versions 2 and 3, little-endian). Stateless and
 * thread-safe; each {@link #open} returns an independent mapping.
 */
public final class GgufFormat implements ModelFormat {
    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x4655_4747;
    /** The version this writer produces. */
    static final int WRITE_VERSION = 3;
    /** Tensor data alignment when {@code general.alignment} is absent. */
    static final long DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";

    public GgufFormat() {
        // ServiceLoader needs a public no-arg constructor
    }

    @Override
    public String name() {
        return "gguf";
    }

    @Override
    public boolean recognizes(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(4);
            while (magic.hasRemaining()) {
                if (ch.read(magic) < 0) {
                    return false;
                }
            }
            return magic.flip().order(ByteOrder.LITTLE_ENDIAN).getInt() == MAGIC;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public ModelFile open(Path file) {
        return GgufReader.open(file);
    }

    @Override
    public ModelWriter create(Path file) {
        return new GgufWriter(file);
    }

    @Override
    public String toString() {
        return "gguf";
    }
}
