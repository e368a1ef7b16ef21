package dev.kiln.runtime.io;

import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The model files open (mapped) in this JVM, with their size and time of last change when they
 * were opened. A file truncated or rewritten under a mapping makes the next read fault; this
 * registry lets that fault be reported as "X changed while in use" rather than as an
 * {@link InternalError} from deep inside a kernel.
 */
public final class FilesInUse {
    private record Snapshot(Path path, long size, FileTime modified, Object key) {
    }

    /** Keyed by a token per opening: the same file opened twice is watched twice. */
    private static final Map<Object, Snapshot> OPEN = new ConcurrentHashMap<>();
    /**
     * What was found changed when a file was closed: a fault propagates through the
     * try-with-resources that closes the file before anyone asks what happened.
     */
    private static final Deque<String> CHANGED_WHILE_OPEN = new ConcurrentLinkedDeque<>();
    private static final int CHANGES_KEPT = 8;

    private FilesInUse() {
    }

    /** {@code file}, watched until it is closed. */
    public static ModelFile watch(ModelFile file) {
        Objects.requireNonNull(file, "file is null");
        Snapshot s = snapshot(file.path());
        if (s == null) {
            return file;
        }
        Object token = new Object();
        OPEN.put(token, s);
        return new Watched(file, token);
    }

    /**
     * One line about the first watched file that is no longer as it was opened (or was not when
     * it was closed), if any.
     */
    public static Optional<String> changed() {
        for (Snapshot was : OPEN.values()) {
            Optional<String> change = change(was);
            if (change.isPresent()) {
                return change;
            }
        }
        return Optional.ofNullable(CHANGED_WHILE_OPEN.peekLast());
    }

    private static Optional<String> change(Snapshot was) {
        Snapshot now = snapshot(was.path());
        if (now == null) {
            return Optional.of(was.path() + " was deleted or became unreadable while Kiln was using it");
        }
        if (now.size() != was.size()) {
            return Optional.of(was.path() + " changed while Kiln was using it (" + was.size() + " bytes when opened, "
                    + now.size() + " now); a model file must not be modified or truncated while it is in use");
        }
        if (!now.modified().equals(was.modified()) || !Objects.equals(now.key(), was.key())) {
            return Optional.of(was.path() + " changed while Kiln was using it (modified "
                    + now.modified() + "); a model file must not be modified while it is in use");
        }
        return Optional.empty();
    }

    private static void closed(Object token) {
        Snapshot was = OPEN.remove(token);
        if (was != null) {
            change(was).ifPresent(c -> {
                CHANGED_WHILE_OPEN.addLast(c);
                while (CHANGED_WHILE_OPEN.size() > CHANGES_KEPT) {
                    CHANGED_WHILE_OPEN.pollFirst();
                }
            });
        }
    }

    /** The watched files' paths. */
    static List<Path> paths() {
        return OPEN.values().stream().map(Snapshot::path).distinct().toList();
    }

    private static Snapshot snapshot(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return new Snapshot(p, a.size(), a.lastModifiedTime(), a.fileKey());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Delegates everything; {@link #close} also ends the watch. */
    private record Watched(ModelFile file, Object token) implements ModelFile {
        @Override
        public Path path() {
            return file.path();
        }

        @Override
        public int version() {
            return file.version();
        }

        @Override
        public long alignment() {
            return file.alignment();
        }

        @Override
        public Metadata metadata() {
            return file.metadata();
        }

        @Override
        public List<TensorInfo> tensors() {
            return file.tensors();
        }

        @Override
        public Optional<TensorInfo> tensor(String name) {
            return file.tensor(name);
        }

        @Override
        public MemorySegment data(TensorInfo tensor) {
            return file.data(tensor);
        }

        @Override
        public void close() {
            closed(token);
            file.close();
        }
    }
}
