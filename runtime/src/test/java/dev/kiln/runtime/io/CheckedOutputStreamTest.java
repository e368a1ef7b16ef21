package dev.kiln.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Issue 9, finding 4: a write error on standard output is an error, not a flag nobody reads. */
class CheckedOutputStreamTest {

    /** Takes {@code room} bytes, then fails every write as /dev/full does. */
    static final class FullDevice extends OutputStream {
        private final int room;
        int written;
        int attemptsAfterFull;

        FullDevice(int room) {
            this.room = room;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (written + len > room) {
                attemptsAfterFull++;
                throw new IOException("No space left on device");
            }
            written += len;
        }
    }

    @Test
    void the_first_failure_is_thrown_with_the_destination_and_the_reason_and_again_on_every_later_write() {
        FullDevice full = new FullDevice(0);
        CheckedOutputStream out = new CheckedOutputStream(full, "standard output");
        OutputWriteException first = assertThrows(OutputWriteException.class, () -> out.write(new byte[] {1, 2, 3}));
        assertEquals("cannot write to standard output: no space left on device", first.getMessage());
        assertTrue(out.failed());
        assertSame(first, assertThrows(OutputWriteException.class, () -> out.write(4)));
        assertSame(first, assertThrows(OutputWriteException.class, out::flush));
        assertEquals(1, full.attemptsAfterFull, "nothing more is tried on the broken stream");
    }

    @Test
    void print_writer_and_print_stream_let_it_through_instead_of_setting_their_error_flag() {
        CheckedOutputStream forWriter = new CheckedOutputStream(new FullDevice(0), "standard output");
        PrintWriter writer = new PrintWriter(new OutputStreamWriter(forWriter, StandardCharsets.UTF_8), true);
        assertThrows(OutputWriteException.class, () -> writer.println("hello"));

        PrintStream stream = new PrintStream(new CheckedOutputStream(new FullDevice(0), "standard output"), true, StandardCharsets.UTF_8);
        assertThrows(OutputWriteException.class, () -> stream.println("hello"));
    }

    @Test
    void a_closed_pipe_is_named_as_such() {
        OutputStream pipe = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        OutputWriteException e = assertThrows(OutputWriteException.class,
                () -> new CheckedOutputStream(pipe, "standard output").write(1));
        assertEquals("cannot write to standard output: broken pipe", e.getMessage());
    }

    @Test
    void writes_that_succeed_pass_through_unchanged() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        CheckedOutputStream out = new CheckedOutputStream(sink, "standard output");
        out.write(new byte[] {1, 2, 3, 4}, 1, 2);
        out.write(9);
        out.flush();
        assertEquals("[2, 3, 9]", java.util.Arrays.toString(sink.toByteArray()));
        assertFalse(out.failed());
    }
}
