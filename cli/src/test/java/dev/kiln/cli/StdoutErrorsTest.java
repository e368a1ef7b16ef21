package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.io.CheckedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, findings 4 and 8: a command whose standard output cannot be written ends with status
 * 1 and one line saying why, and generation stops at the first token that cannot be written.
 * (Before, {@code generate}, {@code tokenize}, {@code info --json} and {@code plugins} writing to
 * {@code /dev/full} exited 0; the launcher tests check the real device and pipe.)
 */
class StdoutErrorsTest {
    private static final String STORIES = GenerateCommandTest.STORIES.toString();

    /** Takes {@code room} bytes, then fails as /dev/full does; counts what is tried afterwards. */
    private static final class FullDevice extends OutputStream {
        private final int room;
        private int written;

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
                throw new IOException("No space left on device");
            }
            written += len;
        }
    }

    /**
     * Watches what reaches the checked stream after it first failed. The text encoder keeps the
     * bytes it could not write and offers them again when Main flushes at the end; anything
     * longer than that would be text generated after the failure.
     */
    private static final class AfterFailure extends OutputStream {
        private final OutputStream out;
        private int failedLength = -1;
        int longestLater;

        AfterFailure(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (failedLength >= 0) {
                longestLater = Math.max(longestLater, len);
            }
            try {
                out.write(b, off, len);
            } catch (RuntimeException e) {
                failedLength = failedLength < 0 ? len : failedLength;
                throw e;
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        boolean grewAfterFailure() {
            return longestLater > failedLength;
        }
    }

    private record Run(int status, String err, boolean textAfterFailure) {
    }

    private static Run onFullStdout(int room, String... args) {
        AfterFailure watch = new AfterFailure(new CheckedOutputStream(new FullDevice(room), "standard output"));
        PrintWriter out = new PrintWriter(new OutputStreamWriter(watch, StandardCharsets.UTF_8), true);
        StringWriter err = new StringWriter();
        int status = Main.execute(args, out, new PrintWriter(err));
        return new Run(status, err.toString(), watch.grewAfterFailure());
    }

    @Test
    void every_command_that_prints_fails_when_stdout_is_full() {
        for (List<String> args : List.of(
                List.of("tokenize", "-m", STORIES, "Once upon a time"),
                List.of("info", "-m", STORIES, "--json"),
                List.of("info", "-m", STORIES),
                List.of("plugins"),
                List.of("--help"),
                List.of("generate", "-m", STORIES, "-p", "Once", "-n", "8", "--temp", "0", "--backend", "scalar"))) {
            Run run = onFullStdout(0, args.toArray(String[]::new));
            assertEquals(1, run.status(), args + ": " + run);
            assertTrue(run.err().endsWith("kiln: cannot write to standard output: no space left on device\n"), args + ": " + run);
            assertEquals(1, run.err().lines().filter(l -> l.contains("cannot write")).count(), args + ": said once: " + run);
        }
    }

    @Test
    void generation_stops_at_the_first_token_that_cannot_be_written() {
        Run run = onFullStdout(10, "generate", "-m", STORIES, "-p", "Once upon a time", "-n", "-1", "--temp", "0",
                "--backend", "scalar");
        assertEquals(1, run.status(), run::toString);
        assertFalse(run.textAfterFailure(), "no text is generated after the failed write: " + run);
        assertFalse(run.err().contains("generated"), "no closing statistics: generation did not finish: " + run);
        assertTrue(run.err().endsWith("kiln: cannot write to standard output: no space left on device\n"), run::toString);
    }
}
