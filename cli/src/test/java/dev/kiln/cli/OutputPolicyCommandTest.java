package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.io.FileKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, findings 1, 2, 3 and 9: {@code quantize} and {@code synth} go through the one output
 * policy. Each test did the damage it checks for before the policy existed.
 */
class OutputPolicyCommandTest {
    private static final Path FIXTURES = GenerateCommandTest.FIXTURES;
    private static final Path STORIES = GenerateCommandTest.STORIES;
    private static final Path SPM_VOCAB = FIXTURES.resolve("vocab/ggml-vocab-llama-spm.gguf");

    @TempDir
    Path dir;

    /** Finding 1: "kiln quantize IN /dev/null Q8_0" replaced the device node (here reached through a link, so a regression cannot harm the machine). */
    @Test
    void quantize_refuses_a_device_and_leaves_it_a_device() throws IOException {
        Path devNull = Path.of("/dev/null");
        assumeTrue(FileKind.of(devNull) == FileKind.CHARACTER_DEVICE, "no /dev/null here");
        Path link = Files.createSymbolicLink(dir.resolve("out.gguf"), devNull);
        KilnRun run = KilnRun.of("quantize", STORIES.toString(), link.toString(), "Q8_0", "--force");
        assertEquals(1, run.status(), run::toString);
        assertEquals("kiln: " + link + " is a character device, not a regular file; refusing to write to it\n", run.err());
        assertTrue(Files.isSymbolicLink(link), "the link was not replaced");
        assertEquals(FileKind.CHARACTER_DEVICE, FileKind.of(link));
        assertEquals(List.of(link), list(dir), "no partial file left");
    }

    /** Finding 1: the same for a FIFO, by synth. */
    @Test
    void synth_refuses_a_fifo() throws Exception {
        Path fifo = dir.resolve("pipe.gguf");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        KilnRun run = KilnRun.of("synth", "--shape", "small", "--type", "Q8_0", "-o", fifo.toString(), "--force");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains(fifo + " is a FIFO (named pipe), not a regular file"), run::toString);
        assertEquals(FileKind.FIFO, FileKind.of(fifo));
    }

    /** Finding 2: "synth --vocab X -o X" replaced the input X with random weights, exit 0. */
    @Test
    void synth_refuses_to_write_over_its_vocab_even_through_a_hard_link() throws IOException {
        Path vocab = Files.copy(SPM_VOCAB, dir.resolve("vocab.gguf"));
        Path alias = Files.createLink(dir.resolve("alias.gguf"), vocab);
        byte[] before = Files.readAllBytes(vocab);
        for (Path output : List.of(vocab, alias)) {
            KilnRun run = KilnRun.of("synth", "--shape", "small", "--type", "Q8_0", "--vocab", vocab.toString(),
                    "-o", output.toString(), "--force");
            assertEquals(1, run.status(), run::toString);
            assertEquals("kiln: " + output + " is the same file as the input " + vocab + "; refusing to write over it\n",
                    run.err());
        }
        assertArrayEquals(before, Files.readAllBytes(vocab));
        KilnRun quantize = KilnRun.of("quantize", STORIES.toString(), STORIES.toString(), "Q8_0", "--force");
        assertEquals(1, quantize.status(), quantize::toString);
        assertTrue(quantize.err().contains("is the same file as the input"), quantize::toString);
    }

    /** Finding 3: an existing output was replaced without asking, and always became mode 0600. */
    @Test
    void an_existing_output_needs_force_and_then_keeps_its_permissions() throws IOException {
        Path out = Files.writeString(dir.resolve("model.gguf"), "a real model");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r--r--"));
        KilnRun refused = KilnRun.of("quantize", STORIES.toString(), out.toString(), "Q8_0");
        assertEquals(1, refused.status(), refused::toString);
        assertEquals("kiln: " + out + " already exists; not replacing it (--force replaces it)\n", refused.err());
        assertEquals("a real model", Files.readString(out));

        KilnRun synth = KilnRun.of("synth", "--shape", "small", "--type", "Q8_0", "-o", out.toString());
        assertEquals(1, synth.status(), synth::toString);
        assertEquals("a real model", Files.readString(out));

        KilnRun forced = KilnRun.of("quantize", STORIES.toString(), out.toString(), "Q8_0", "--force");
        assertEquals(0, forced.status(), forced::toString);
        assertTrue(Files.size(out) > 1000, "replaced by the model");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertEquals(List.of(out), list(dir));
    }

    /** Finding 3: a new file gets the umask's mode, like any file a program creates. */
    @Test
    void a_new_output_gets_the_mode_the_umask_gives() throws IOException {
        Path reference = Files.createFile(dir.resolve("reference"));
        Path out = dir.resolve("new.gguf");
        KilnRun run = KilnRun.of("quantize", STORIES.toString(), out.toString(), "Q8_0");
        assertEquals(0, run.status(), run::toString);
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(out));
    }

    /** Finding 9: "quantize into a directory runs the whole job before failing"; now it fails first. */
    @Test
    void a_directory_or_a_missing_directory_is_refused_before_any_work() {
        KilnRun intoDir = KilnRun.of("quantize", STORIES.toString(), dir.toString(), "Q8_0");
        assertEquals(1, intoDir.status(), intoDir::toString);
        assertEquals("kiln: " + dir + " is a directory, not a regular file; refusing to write to it\n", intoDir.err());

        Path missing = dir.resolve("no-such-dir/out.gguf");
        KilnRun noDir = KilnRun.of("quantize", STORIES.toString(), missing.toString(), "Q8_0");
        assertEquals(1, noDir.status(), noDir::toString);
        assertEquals("kiln: cannot write " + missing + ": directory " + missing.getParent() + " does not exist\n", noDir.err());
    }

    /** Finding 9: "cannot write OUT: /dir/.OUT.<n>.tmp" gave no reason. */
    @Test
    void permission_denied_is_reported_as_such() throws IOException {
        Path locked;
        if ("root".equals(System.getProperty("user.name"))) {
            locked = Path.of("/sys/kernel"); // sysfs refuses new files even to root
            assumeTrue(Files.isDirectory(locked), "root, and no sysfs");
        } else {
            locked = Files.createDirectory(dir.resolve("locked"));
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        Path out = locked.resolve("kiln-test-out.gguf");
        KilnRun run = KilnRun.of("quantize", STORIES.toString(), out.toString(), "Q8_0");
        assertEquals(1, run.status(), run::toString);
        assertEquals("kiln: cannot write " + out + ": permission denied (creating a file in " + locked + ")\n", run.err());
    }

    /** Finding 9: the carriage-return progress bar was drawn into logs; off a terminal it is plain lines. */
    @Test
    void off_a_terminal_progress_is_plain_lines() {
        Path out = dir.resolve("q.gguf");
        KilnRun run = KilnRun.of("quantize", STORIES.toString(), out.toString(), "Q8_0");
        assertEquals(0, run.status(), run::toString);
        assertFalse(run.err().contains("\r"), run::toString);
        assertTrue(run.err().contains("kiln: 50% done\n"), run::toString);
        assertFalse(Files.exists(out.resolveSibling(out.getFileName() + ".tmp")));
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
