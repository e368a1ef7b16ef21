package dev.kiln.backend.vector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Packed matrices ({@link PackedMatrix}) kept on disk, so that a later start reads them back
 * instead of packing again (a copy from the page cache instead of the transposes and the page
 * faults of packing). They are read into memory of their own, not served from a mapping: the packed
 * Q4_K kernel ran 1.5x slower on the file's page-cache pages than on the same bytes in anonymous
 * memory (KERNELS.md, third round).
 *
 * <p>One directory per model file ({@code <root>/packed/<hash of its real path>-<file name>}), one
 * file per matrix in it ({@code <offset in the model>-<tensor name>.kpack}): a 4096-byte header,
 * then the packed bytes. The header names the model file (a digest of its path, size, modification
 * time, file key and first and last bytes), the layout version, the matrix (type, shape, offset),
 * and a CRC32C per chunk of the packed bytes; a file whose header, size or any chunk does not match
 * is never used: it is packed again and replaced.
 *
 * <p>Safety: files are written to a fresh temporary file in the model's directory ({@code O_EXCL},
 * mode 0600) and renamed over the target, so a reader sees a whole file or none; two processes
 * packing the same matrix at once each rename a complete file (the later one stays; a reader of
 * the earlier one still has it whole). Nothing is followed out of the cache: the model's directory and
 * every file in it are opened without following symbolic links. Any failure to read or write
 * turns the cache off for the model (one warning) and packing goes on in memory.
 */
final class PackedCache {

    /** The packed layouts' version: bump it whenever a {@link PackedMatrix.Format}'s bytes change. */
    static final int LAYOUT_VERSION = 1;
    static final int HEADER_BYTES = 4096;
    private static final int FILE_VERSION = 1;
    private static final long MAGIC = 0x4b43_4150_4e4c_494bL; // "KILNPACK", little-endian
    private static final int DIGEST = 32;
    private static final int DIGEST_BYTES = 32;
    private static final int CHUNK_CRCS = 128;
    private static final int HEADER_CRC = HEADER_BYTES - 4;
    private static final int MAX_CHUNKS = (HEADER_CRC - CHUNK_CRCS) / 4;
    private static final long MIN_CHUNK = 1 << 20;
    private static final String SUFFIX = ".kpack";
    private static final String TEMP_PREFIX = ".pack-";
    private static final String MODEL_ID = "model.id";
    /** A temporary file older than this was left by a process that died while writing it. */
    private static final Duration STALE_TEMP = Duration.ofHours(1);
    private static final int WRITE_PIECE = 1 << 26;

    /**
     * Where packed matrices are kept: {@code -Dkiln.cache.dir}, else {@code KILN_CACHE_DIR}, else
     * {@code $XDG_CACHE_HOME/kiln} (an absolute one), else {@code ~/.cache/kiln}; none when the
     * setting is {@code off}.
     */
    static Optional<Path> defaultRoot() {
        String set = System.getProperty("kiln.cache.dir", System.getenv("KILN_CACHE_DIR"));
        if (set != null && !set.isBlank()) {
            return set.equals("off") ? Optional.empty() : Optional.of(Path.of(set));
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Optional.of(Path.of(xdg, "kiln"));
        }
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() || home.equals("?") ? Optional.empty() : Optional.of(Path.of(home, ".cache", "kiln"));
    }

    private final Path dir;
    private final byte[] model;
    private final int layoutVersion;
    private final Consumer<String> warn;
    private boolean off;
    private int mapped;
    private int written;

    private PackedCache(Path dir, byte[] model, int layoutVersion, Consumer<String> warn) {
        this.dir = dir;
        this.model = model;
        this.layoutVersion = layoutVersion;
        this.warn = warn;
    }

    /**
     * The cache of {@code modelFile}'s matrices under {@code root}, or empty (after one warning
     * through {@code warn}) when its directory cannot be made or is not a plain directory.
     */
    static Optional<PackedCache> open(Path root, Path modelFile, int layoutVersion, Consumer<String> warn) {
        Path dir = null;
        try {
            Path real = modelFile.toRealPath();
            dir = root.resolve("packed").resolve(key(real));
            byte[] model = identity(real);
            Files.createDirectories(root);
            directory(root.resolve("packed"));
            directory(dir);
            forgetOtherModel(dir, model);
            removeStaleTemporaries(dir);
            return Optional.of(new PackedCache(dir, model, layoutVersion, warn));
        } catch (IOException | UncheckedIOException | SecurityException e) {
            warn.accept(unusable(dir == null ? root : dir, e));
            return Optional.empty();
        }
    }

    private static String unusable(Path dir, Exception e) {
        return "the packed-weights cache " + dir + " cannot be used (" + reason(e) + "); packing in memory";
    }

    private static String reason(Exception e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        String kind = t instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : t instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : t.getClass().getSimpleName();
        String m = t instanceof java.nio.file.FileSystemException f ? f.getFile() : t.getMessage();
        return m == null ? kind : kind + ": " + m;
    }

    /** Creates {@code dir} (mode 0700) unless it is there; a symbolic link or a file there is an error. */
    private static void directory(Path dir) throws IOException {
        try {
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " is not a directory (a symbolic link is not followed)");
            }
        }
    }

    /** {@code <16 hex digits of SHA-256(path)>-<file name, only [A-Za-z0-9._-], at most 48>}. */
    static String key(Path real) {
        byte[] h = sha256().digest(real.toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(h, 0, 8) + "-" + safeName(real.getFileName().toString(), 48);
    }

    private static String safeName(String name, int max) {
        String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
        s = s.length() > max ? s.substring(0, max) : s;
        return s.startsWith(".") ? "_" + s.substring(1) : s;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    /**
     * What names this version of the model file: its path, size, modification time, file key
     * (device and inode), and its first MiB and last 64 KiB (the GGUF header and directory, the last
     * tensor's end), as a SHA-256 digest. A model rewritten in place with another mtime, size or
     * header is another model.
     */
    static byte[] identity(Path real) throws IOException {
        BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
        MessageDigest d = sha256();
        d.update(real.toString().getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(a.size()).putLong(a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
        d.update(b.array());
        d.update(String.valueOf(a.fileKey()).getBytes(StandardCharsets.UTF_8));
        try (FileChannel ch = FileChannel.open(real, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer piece = ByteBuffer.allocate(1 << 14); // small: loading must not need a large heap
            digest(d, ch, 0, Math.min(size, 1 << 20), piece);
            long tail = Math.min(size, 1 << 16);
            digest(d, ch, size - tail, tail, piece);
        }
        return d.digest();
    }

    private static void digest(MessageDigest d, FileChannel ch, long from, long length, ByteBuffer piece) throws IOException {
        for (long at = from; at < from + length; ) {
            piece.clear().limit((int) Math.min(piece.capacity(), from + length - at));
            int n = ch.read(piece, at);
            if (n < 0) {
                return;
            }
            d.update(piece.array(), 0, n);
            at += n;
        }
    }

    private static byte[] read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                break;
            }
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    /**
     * Removes the matrices of another version of the model at this path (their offsets may differ
     * now, so they would stay unused), unless {@value #MODEL_ID} says this version was here last;
     * files of this version (a concurrent start's) stay.
     */
    private static void forgetOtherModel(Path dir, byte[] model) throws IOException {
        Path id = dir.resolve(MODEL_ID);
        String hex = HexFormat.of().formatHex(model);
        if (Files.isRegularFile(id, LinkOption.NOFOLLOW_LINKS) && Files.size(id) == hex.length()) {
            try (FileChannel ch = FileChannel.open(id, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                if (hex.equals(new String(read(ch, 0, hex.length()), StandardCharsets.US_ASCII))) {
                    return;
                }
            }
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && !Arrays.equals(model, digestOf(f))) {
                    Files.deleteIfExists(f);
                }
            }
        }
        Path tmp = Files.createTempFile(dir, TEMP_PREFIX, ".tmp");
        try {
            Files.writeString(tmp, hex, StandardCharsets.US_ASCII, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            Files.move(tmp, id, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The model digest in a cache file's header (whatever the rest holds). */
    private static byte[] digestOf(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return read(ch, DIGEST, DIGEST_BYTES);
        }
    }

    private static void removeStaleTemporaries(Path dir) throws IOException {
        Instant before = Instant.now().minus(STALE_TEMP);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, TEMP_PREFIX + "*.tmp")) {
            for (Path f : files) {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile() && a.lastModifiedTime().toInstant().isBefore(before)) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** The directory of this model's packed matrices. */
    Path directory() {
        return dir;
    }

    /** How many matrices were read from existing cache files (tests). */
    int mapped() {
        return mapped;
    }

    /** How many cache files were written (tests). */
    int written() {
        return written;
    }

    /** Whether a failure has turned the cache off (after its one warning). */
    boolean isOff() {
        return off;
    }

    /** The file that holds the packed matrix at {@code offset} in the model. */
    Path file(long offset, String name) {
        return dir.resolve(String.format("%012x-%s%s", offset, safeName(name, 96), SUFFIX));
    }

    /**
     * The packed form of {@code rows × columns} weights at {@code offset} in the model file
     * ({@code source} there): read from its cache file when that is whole and of this model and
     * layout, else packed and written to the cache; packed in memory once the cache
     * has failed (warned once).
     */
    <P extends PackedMatrix> P obtain(PackedMatrix.Format<P> format, long offset, String name, MemorySegment source,
                                      int rows, int columns, WorkerPool pool) {
        if (off) {
            return format.pack(source, rows, columns, pool);
        }
        Path file = file(offset, name);
        try {
            P p = readBack(file, format, offset, source, rows, columns, pool);
            if (p != null) {
                mapped++;
                return p;
            }
        } catch (IOException | UncheckedIOException | SecurityException e) {
            turnOff(e);
            return format.pack(source, rows, columns, pool);
        }
        return build(file, format, offset, source, rows, columns, pool);
    }

    private void turnOff(Exception e) {
        if (!off) {
            off = true;
            warn.accept(unusable(dir, e));
        }
    }

    /** The matrix read from {@code file}, or null when the file is missing, of another model or layout, short or damaged. */
    private <P extends PackedMatrix> P readBack(Path file, PackedMatrix.Format<P> format, long offset, MemorySegment source,
                                           int rows, int columns, WorkerPool pool) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        long bytes = format.bytes(rows, columns);
        if (!a.isRegularFile() || a.size() != HEADER_BYTES + bytes) {
            return null; // a link, a truncated or an overlong file: replaced by a new one
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer h = ByteBuffer.wrap(read(ch, 0, HEADER_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
            Header expected = header(format, offset, rows, columns, bytes);
            if (h.limit() != HEADER_BYTES || !expected.matches(h)) {
                return null;
            }
            Arena arena = Arena.ofShared();
            try {
                // read into memory of its own rather than mapped: the packed Q4_K kernel ran 1.5x slower
                // on the file's page-cache pages than on the same bytes in anonymous memory (KERNELS.md)
                MemorySegment data = arena.allocate(bytes, 64);
                for (long at = 0; at < bytes; at += WRITE_PIECE) {
                    readFully(ch, data.asSlice(at, Math.min(WRITE_PIECE, bytes - at)).asByteBuffer(), HEADER_BYTES + at);
                }
                int[] crcs = crcs(data, expected.chunk, pool);
                for (int i = 0; i < crcs.length; i++) {
                    if (crcs[i] != h.getInt(CHUNK_CRCS + 4 * i)) {
                        arena.close();
                        return null;
                    }
                }
                return format.maker().make(arena, data, source, rows, columns);
            } catch (IOException | RuntimeException | Error e) {
                arena.close();
                throw e;
            }
        }
    }

    /** Packs in memory and writes the cache file; serves the in-memory copy either way. */
    private <P extends PackedMatrix> P build(Path file, PackedMatrix.Format<P> format, long offset, MemorySegment source,
                                             int rows, int columns, WorkerPool pool) {
        P packed = format.pack(source, rows, columns, pool);
        long bytes = format.bytes(rows, columns);
        Header header = header(format, offset, rows, columns, bytes);
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, TEMP_PREFIX, ".tmp");
            ByteBuffer h = header.write(crcs(packed.data, header.chunk, pool));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                writeFully(ch, h, 0);
                for (long at = 0; at < bytes; at += WRITE_PIECE) {
                    writeFully(ch, packed.data.asSlice(at, Math.min(WRITE_PIECE, bytes - at)).asByteBuffer(), HEADER_BYTES + at);
                }
                // no fsync: a file torn by a crash fails its checksums and is packed again
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            written++;
            return packed;
        } catch (IOException | UncheckedIOException | SecurityException e) {
            turnOff(e);
            return packed;
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // removed at a later start (STALE_TEMP)
                }
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new java.io.EOFException("packed-weights cache file ended early");
            }
            p += n;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }

    /** CRC32C of each {@code chunk} bytes of {@code data}, chunks split over {@code pool}. */
    private static int[] crcs(MemorySegment data, long chunk, WorkerPool pool) {
        long bytes = data.byteSize();
        int n = (int) ((bytes + chunk - 1) / chunk);
        int[] out = new int[n];
        pool.run(n, (i, worker) -> {
            CRC32C c = new CRC32C();
            c.update(data.asSlice(i * chunk, Math.min(chunk, bytes - i * chunk)).asByteBuffer());
            out[i] = (int) c.getValue();
        });
        return out;
    }

    private Header header(PackedMatrix.Format<?> format, long offset, int rows, int columns, long bytes) {
        long chunk = Math.max(MIN_CHUNK, ((bytes + MAX_CHUNKS - 1) / MAX_CHUNKS + 4095) & ~4095L);
        return new Header(format.type().id(), rows, columns, offset, bytes, chunk);
    }

    /** A cache file's header fields, what they must be for one matrix of this model and layout. */
    private final class Header {
        final int type;
        final int rows;
        final int columns;
        final long offset;
        final long bytes;
        final long chunk;

        Header(int type, int rows, int columns, long offset, long bytes, long chunk) {
            this.type = type;
            this.rows = rows;
            this.columns = columns;
            this.offset = offset;
            this.bytes = bytes;
            this.chunk = chunk;
        }

        int chunks() {
            return (int) ((bytes + chunk - 1) / chunk);
        }

        /** The header bytes: fixed fields, the model digest, the chunk CRCs, then a CRC32C of all before it. */
        ByteBuffer write(int[] crcs) {
            ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            h.putLong(0, MAGIC).putInt(8, FILE_VERSION).putInt(12, layoutVersion).putInt(16, type).putInt(20, rows)
                    .putInt(24, columns).putInt(28, crcs.length).put(DIGEST, model)
                    .putLong(64, offset).putLong(72, bytes).putLong(80, chunk);
            for (int i = 0; i < crcs.length; i++) {
                h.putInt(CHUNK_CRCS + 4 * i, crcs[i]);
            }
            h.putInt(HEADER_CRC, headerCrc(h));
            return h;
        }

        /** Whether {@code h} (a whole header) is intact and describes this matrix of this model at this layout. */
        boolean matches(ByteBuffer h) {
            byte[] digest = new byte[DIGEST_BYTES];
            h.get(DIGEST, digest);
            return h.getInt(HEADER_CRC) == headerCrc(h) && h.getLong(0) == MAGIC && h.getInt(8) == FILE_VERSION
                    && h.getInt(12) == layoutVersion && h.getInt(16) == type && h.getInt(20) == rows
                    && h.getInt(24) == columns && h.getInt(28) == chunks() && Arrays.equals(digest, model)
                    && h.getLong(64) == offset && h.getLong(72) == bytes && h.getLong(80) == chunk;
        }

        private static int headerCrc(ByteBuffer h) {
            CRC32C c = new CRC32C();
            c.update(h.array(), 0, HEADER_CRC);
            return (int) c.getValue();
        }
    }
}
