package dev.kiln.runtime.io;

import dev.kiln.api.KilnException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Kiln's one policy for a file a command writes (a quantized model, a synthetic one, and
 * whatever comes later):
 * <ul>
 * <li>the target must be a regular file or not exist: a directory, device, FIFO or socket is
 *     refused (a symbolic link is followed to the file it names, and stays a link);</li>
 * <li>it must not be the same file as any input, compared by file identity (through links);</li>
 * <li>an existing file is replaced only when {@code replace} is asked for, then atomically and
 *     keeping its permissions (and, where allowed, owner and group); a new file gets the mode the
 *     umask gives;</li>
 * <li>the directory is checked before any work: {@link #prepare} creates the partial file at
 *     once, so a missing directory or a permission problem is reported as such, up front;</li>
 * <li>the bytes go to a hidden partial file beside the target,
 *     {@code .NAME.<random>.kiln-partial} (never a {@code .gguf} name), which {@link #commit}
 *     renames over the target. {@link #close} without a commit, and a JVM shutdown (SIGINT,
 *     SIGTERM), remove it.</li>
 * </ul>
 * Use: {@code try (OutputFile out = OutputFile.prepare(path, force, inputs)) { out.writeAndCommit(() ->
 * fill(out.partial())); }}.
 */
public final class OutputFile implements AutoCloseable {
    /** Ends the name of every partial file. */
    public static final String PARTIAL_SUFFIX = ".kiln-partial";
    private static final int MAX_NAME_BYTES = 255;

    private enum State { WRITING, COMMITTED, REMOVED }

    private final Path requested;
    private final Path target;
    private final Path partial;
    private final boolean replace;
    private State state = State.WRITING;

    private OutputFile(Path requested, Path target, Path partial, boolean replace) {
        this.requested = requested;
        this.target = target;
        this.partial = partial;
        this.replace = replace;
    }

    /**
     * Checks {@code target} against the policy and creates its partial file.
     *
     * @param target the file to write
     * @param replace whether an existing regular file may be replaced
     * @param inputs the files the command reads; the target may be none of them
     * @throws OutputExistsException if the target exists and {@code replace} is false
     * @throws KilnException if the target is not a regular file, is an input, or its directory
     *                       is missing or not writable
     */
    public static OutputFile prepare(Path target, boolean replace, Collection<Path> inputs) {
        Objects.requireNonNull(target, "target is null");
        Objects.requireNonNull(inputs, "inputs is null");
        Path resolved = resolveLink(target);
        FileKind kind = FileKind.of(resolved);
        if (kind != FileKind.MISSING && kind != FileKind.REGULAR) {
            throw new KilnException(target + " is " + kind.description() + ", not a regular file; refusing to write to it");
        }
        if (kind == FileKind.REGULAR) {
            for (Path input : inputs) {
                if (input != null && sameFile(input, resolved)) {
                    throw new KilnException(target + " is the same file as the input " + input + "; refusing to write over it");
                }
            }
            if (!replace) {
                throw new OutputExistsException(target);
            }
        }
        Path dir = resolved.getParent();
        FileKind dirKind = FileKind.of(dir);
        if (dirKind == FileKind.MISSING) {
            throw new KilnException("cannot write " + target + ": directory " + dir + " does not exist");
        }
        if (dirKind != FileKind.DIRECTORY) {
            throw new KilnException("cannot write " + target + ": " + dir + " is " + dirKind.description() + ", not a directory");
        }
        Path partial = createPartial(target, dir, resolved.getFileName().toString());
        OutputFile file = new OutputFile(target, resolved, partial, replace);
        try {
            PartialFiles.register(file);
        } catch (IllegalStateException shuttingDown) {
            file.close();
            throw new KilnException("cannot write " + target + ": Kiln is shutting down");
        }
        return file;
    }

    /** The path the command asked to write. */
    public Path target() {
        return requested;
    }

    /** The partial file to write the bytes to: exists, empty, in the target's directory. */
    public Path partial() {
        return partial;
    }

    /**
     * Runs {@code write}, which fills {@link #partial()}, then {@link #commit}s. A failure names
     * the target, not the partial file, whose name means nothing to the user.
     */
    public void writeAndCommit(Runnable write) {
        try {
            write.run();
        } catch (KilnException e) {
            String message = e.getMessage();
            if (message != null && message.contains(partial.toString())) {
                throw new KilnException(message.replace(partial.toString(), requested.toString()), e);
            }
            throw e;
        }
        commit();
    }

    /**
     * Moves the finished partial file over the target, atomically. Checks the target again, so
     * a directory or FIFO that appeared meanwhile is not replaced.
     */
    public synchronized void commit() {
        if (state == State.REMOVED) {
            throw new KilnException("cannot write " + requested + ": interrupted (the partial file was removed)");
        }
        if (state == State.COMMITTED) {
            return;
        }
        try {
            FileKind now = FileKind.of(target);
            if (now == FileKind.REGULAR) {
                if (!replace) {
                    throw new OutputExistsException(requested);
                }
                keepAttributes(target, partial);
            } else if (now != FileKind.MISSING) {
                throw new KilnException(requested + " is " + now.description() + ", not a regular file; refusing to write to it");
            }
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
            }
            state = State.COMMITTED;
            PartialFiles.unregister(this);
            syncDirectory(target.getParent());
        } catch (IOException e) {
            throw new KilnException("cannot write " + requested + ": " + IoReason.of(e), e);
        }
    }

    /** Removes the partial file unless {@link #commit} moved it into place. */
    @Override
    public void close() {
        abandon();
        PartialFiles.unregister(this);
    }

    /** Removes the partial file if not committed; also run by the shutdown hook. */
    synchronized void abandon() {
        if (state == State.WRITING) {
            state = State.REMOVED;
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                // nothing better to do on the way out; the name says what it is
            }
        }
    }

    @Override
    public String toString() {
        return requested + " (partial " + partial.getFileName() + ")";
    }

    /** A symbolic link is written through: the file it names is the target. */
    private static Path resolveLink(Path target) {
        Path absolute = target.toAbsolutePath();
        if (FileKind.ofLink(absolute) != FileKind.SYMBOLIC_LINK) {
            return absolute;
        }
        try {
            return absolute.toRealPath();
        } catch (IOException e) {
            throw new KilnException(target + " is a symbolic link to a missing file; refusing to write through it");
        }
    }

    private static boolean sameFile(Path input, Path target) {
        try {
            return Files.isSameFile(input, target);
        } catch (IOException e) {
            return false; // an input that cannot be reached cannot be the target either
        }
    }

    private static Path createPartial(Path requested, Path dir, String name) {
        String base = "." + shorten(name, MAX_NAME_BYTES - 1 - 1 - 16 - PARTIAL_SUFFIX.length()) + ".";
        for (int attempt = 0; ; attempt++) {
            Path partial = dir.resolve(base + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + PARTIAL_SUFFIX);
            try {
                return Files.createFile(partial); // no attributes: the umask decides the mode, as for any new file
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw new KilnException("cannot write " + requested + ": cannot create a partial file in " + dir);
                }
            } catch (IOException e) {
                throw new KilnException("cannot write " + requested + ": " + IoReason.of(e) + " (creating a file in " + dir + ")", e);
            }
        }
    }

    /** {@code name} cut to at most {@code maxBytes} bytes of UTF-8, on a character boundary. */
    private static String shorten(String name, int maxBytes) {
        String s = name;
        while (s.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            s = s.substring(0, s.offsetByCodePoints(s.length(), -1));
        }
        return s;
    }

    /** The replaced file's permission bits, and its owner and group where the system lets us. */
    private static void keepAttributes(Path from, Path to) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(to, PosixFileAttributeView.class);
        if (view == null) {
            return; // not a POSIX file system: nothing more to keep
        }
        PosixFileAttributes old = Files.readAttributes(from, PosixFileAttributes.class);
        view.setPermissions(old.permissions());
        try {
            view.setGroup(old.group());
            view.setOwner(old.owner());
        } catch (IOException | SecurityException e) {
            // only root may give a file away; the permission bits are what matters
        }
    }

    /** Makes the rename durable (Linux allows fsync on a directory; elsewhere it is skipped). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            // durability is best effort here; the rename itself has happened
        }
    }
}
