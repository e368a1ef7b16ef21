package dev.kiln.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.api.KilnException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9, findings 1-3 and 9: the one output policy of every command that writes a file. */
class OutputFileTest {

    @TempDir
    Path dir;

    @Test
    void a_device_is_refused_and_stays_a_device() {
        Path devNull = Path.of("/dev/null");
        assumeTrue(FileKind.of(devNull) == FileKind.CHARACTER_DEVICE, "no /dev/null character device here");
        KilnException e = assertThrows(KilnException.class, () -> OutputFile.prepare(devNull, true, List.of()));
        assertEquals("/dev/null is a character device, not a regular file; refusing to write to it", e.getMessage());
        assertEquals(FileKind.CHARACTER_DEVICE, FileKind.of(devNull));
    }

    @Test
    void a_fifo_and_a_directory_are_refused() throws Exception {
        Path fifo = dir.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor(), "mkfifo");
        KilnException e = assertThrows(KilnException.class, () -> OutputFile.prepare(fifo, true, List.of()));
        assertTrue(e.getMessage().contains("is a FIFO (named pipe), not a regular file"), e.getMessage());
        assertEquals(FileKind.FIFO, FileKind.of(fifo));

        KilnException d = assertThrows(KilnException.class, () -> OutputFile.prepare(dir, true, List.of()));
        assertTrue(d.getMessage().contains("is a directory, not a regular file"), d.getMessage());
        assertEquals(List.of(fifo), list(dir), "no partial file was left");
    }

    @Test
    void an_input_is_refused_by_identity_through_hard_and_symbolic_links_even_with_replace() throws IOException {
        Path input = Files.writeString(dir.resolve("model.gguf"), "weights");
        Path hard = Files.createLink(dir.resolve("hard.gguf"), input);
        Path soft = Files.createSymbolicLink(dir.resolve("soft.gguf"), input);
        for (Path target : List.of(input, hard, soft, dir.resolve("./model.gguf"))) {
            KilnException e = assertThrows(KilnException.class, () -> OutputFile.prepare(target, true, List.of(input)));
            assertTrue(e.getMessage().contains("is the same file as the input " + input), e.getMessage());
        }
        assertEquals("weights", Files.readString(input));
    }

    @Test
    void an_existing_file_is_kept_unless_replacing_is_asked_for() throws IOException {
        Path target = Files.writeString(dir.resolve("out.gguf"), "a real model");
        OutputExistsException e = assertThrows(OutputExistsException.class, () -> OutputFile.prepare(target, false, List.of()));
        assertEquals(target + " already exists; not replacing it", e.getMessage());
        assertEquals("a real model", Files.readString(target));
        assertEquals(List.of(target), list(dir));
    }

    @Test
    void replacing_is_atomic_and_keeps_the_permissions() throws IOException {
        Path target = Files.writeString(dir.resolve("out.gguf"), "old");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
        try (OutputFile out = OutputFile.prepare(target, true, List.of())) {
            Files.writeString(out.partial(), "new");
            assertEquals("old", Files.readString(target), "the old file stays until the commit");
            out.commit();
        }
        assertEquals("new", Files.readString(target));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertEquals(List.of(target), list(dir));
    }

    @Test
    void a_new_file_gets_the_mode_the_umask_gives() throws IOException {
        Path reference = Files.createFile(dir.resolve("reference")); // created the way any program creates a file
        Path target = dir.resolve("new.gguf");
        try (OutputFile out = OutputFile.prepare(target, false, List.of())) {
            Files.writeString(out.partial(), "x");
            out.commit();
        }
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(target));
    }

    @Test
    void the_partial_file_is_hidden_not_a_model_name_and_removed_without_a_commit() throws IOException {
        Path target = dir.resolve("out.gguf");
        Path partial;
        try (OutputFile out = OutputFile.prepare(target, false, List.of())) {
            partial = out.partial();
            assertTrue(Files.isRegularFile(partial), "created at once, so the directory is proven writable");
            String name = partial.getFileName().toString();
            assertTrue(name.startsWith(".out.gguf.") && name.endsWith(OutputFile.PARTIAL_SUFFIX), name);
            assertFalse(name.endsWith(".gguf"));
            Files.writeString(partial, "half a model");
        }
        assertFalse(Files.exists(partial));
        assertEquals(List.of(), list(dir));
    }

    @Test
    void a_symbolic_link_is_written_through_and_stays_a_link() throws IOException {
        Path real = Files.writeString(dir.resolve("real.gguf"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.gguf"), real.getFileName());
        try (OutputFile out = OutputFile.prepare(link, true, List.of())) {
            Files.writeString(out.partial(), "new");
            out.commit();
        }
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real));

        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.gguf"), dir.resolve("absent.gguf"));
        KilnException e = assertThrows(KilnException.class, () -> OutputFile.prepare(dangling, true, List.of()));
        assertTrue(e.getMessage().contains("symbolic link to a missing file"), e.getMessage());
    }

    @Test
    void a_missing_directory_is_reported_as_such_before_any_work() {
        Path target = dir.resolve("no/such/dir/out.gguf");
        KilnException e = assertThrows(KilnException.class, () -> OutputFile.prepare(target, false, List.of()));
        assertEquals("cannot write " + target + ": directory " + dir.resolve("no/such/dir") + " does not exist", e.getMessage());
    }

    @Test
    void a_directory_that_refuses_new_files_is_reported_as_permission_denied() throws IOException {
        Path locked = unwritableDirectory();
        Path target = locked.resolve("kiln-output-test.gguf");
        KilnException e = assertThrows(KilnException.class, () -> OutputFile.prepare(target, false, List.of()));
        assertTrue(e.getMessage().startsWith("cannot write " + target + ": permission denied"), e.getMessage());
    }

    @Test
    void a_commit_rechecks_the_target() throws IOException {
        Path target = dir.resolve("out.gguf");
        try (OutputFile out = OutputFile.prepare(target, false, List.of())) {
            Files.createDirectory(target); // appeared while the model was being written
            KilnException e = assertThrows(KilnException.class, out::commit);
            assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        }
        assertTrue(Files.isDirectory(target));
        assertEquals(List.of(target), list(dir));
    }

    /** A directory in which creating a file fails with EACCES: a read-only one, or (for root) sysfs. */
    private Path unwritableDirectory() throws IOException {
        if (!"root".equals(System.getProperty("user.name"))) {
            Path locked = Files.createDirectory(dir.resolve("locked"));
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
            return locked;
        }
        Path sys = Path.of("/sys/kernel");
        assumeTrue(Files.isDirectory(sys), "root, and no sysfs to be refused by");
        return sys;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
