package dev.kiln.runtime.io;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * An output stream whose write errors are not lost. The first {@link IOException} of the
 * stream beneath (a closed pipe, {@code /dev/full}, a full disk) becomes an
 * {@link OutputWriteException} naming the destination, thrown from that call and from every
 * later one. {@code PrintWriter} and {@code PrintStream} only set a flag nobody reads on an
 * {@code IOException}; this unchecked exception goes through them, so text generation writing
 * to standard output stops at the first token that cannot be written.
 */
public final class CheckedOutputStream extends OutputStream {
    private final OutputStream out;
    private final String destination;
    private OutputWriteException failure;

    /**
     * @param out the stream to write to
     * @param destination what it is, for the message: {@code standard output}, a file name
     */
    public CheckedOutputStream(OutputStream out, String destination) {
        this.out = Objects.requireNonNull(out, "out is null");
        this.destination = Objects.requireNonNull(destination, "destination is null");
    }

    @Override
    public synchronized void write(int b) {
        ensureWritable();
        try {
            out.write(b);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureWritable();
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public synchronized void flush() {
        ensureWritable();
        try {
            out.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Whether a write has failed. */
    public synchronized boolean failed() {
        return failure != null;
    }

    private void ensureWritable() {
        if (failure != null) {
            throw failure;
        }
    }

    private OutputWriteException failed(IOException e) {
        if (failure == null) {
            failure = new OutputWriteException(destination, e);
        }
        return failure;
    }
}
