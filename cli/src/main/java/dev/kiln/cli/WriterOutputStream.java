package dev.kiln.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Bytes to a character writer, for streaming generated text to the command's output. The
 * generator only writes whole UTF-8 characters (see {@code Utf8Stream}), so each chunk decodes
 * on its own; every write is flushed so text appears as it is generated.
 */
final class WriterOutputStream extends OutputStream {
    private final PrintWriter writer;

    WriterOutputStream(PrintWriter writer) {
        this.writer = writer;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        writer.write(new String(b, off, len, StandardCharsets.UTF_8));
        writer.flush();
    }

    @Override
    public void flush() {
        writer.flush();
    }
}
