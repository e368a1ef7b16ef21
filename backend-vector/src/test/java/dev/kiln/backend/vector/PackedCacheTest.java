package dev.kiln.backend.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.GgmlType;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.quant.QuantType;
import dev.kiln.conformance.BackendContract;
import dev.kiln.format.gguf.GgufReader;
import dev.kiln.format.gguf.GgufWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packed-weights cache ({@link PackedCache}) through {@link VectorCompute#attach}: a second
 * start maps every matrix from the cache; a changed model or layout version, a damaged, truncated
 * or overlong cache file are packed again (never used); concurrent starts leave whole files; an
 * unusable cache directory falls back to packing in memory with one warning; nothing outside the
 * cache directory is written. Every start's products are compared with an uncached start's, bit for
 * bit (same packed bytes, same kernels).
 */
class PackedCacheTest {

    /** name, type, rows, columns: packed types (built in, and the Q5_K plugin), one matrix not packed (F16) and one vector. */
    private record Spec(String name, GgmlType type, int rows, int columns) {
    }

    private static final List<Spec> SPECS = List.of(
            new Spec("blk.0.attn_q.weight", GgmlType.Q4_0, 32, 64),
            new Spec("blk.0.ffn_down.weight", GgmlType.Q4_K, 16, 512),
            new Spec("output.weight", GgmlType.Q6_K, 48, 256),
            new Spec("blk.0.attn_k.weight", GgmlType.Q5_K, 16, 256),
            new Spec("blk.0.attn_v.weight", GgmlType.F16, 16, 64),
            new Spec("output_norm.weight", GgmlType.F32, 1, 64));
    private static final int PACKED = 4;

    @TempDir
    Path tmp;

    private static QuantType type(GgmlType g) {
        return BackendContract.discoveredQuantTypes().stream().filter(t -> t.ggmlType() == g).findFirst().orElseThrow();
    }

    /** A GGUF file of {@link #SPECS} with random weights from {@code seed}. */
    private static void writeModel(Path file, long seed) {
        Random rnd = new Random(seed);
        GgufWriter w = new GgufWriter(file);
        w.put("general.architecture", MetadataValue.ofString("cache-test"));
        for (Spec s : SPECS) {
            QuantType q = type(s.type());
            float[] values = new float[s.rows() * s.columns()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) rnd.nextGaussian();
            }
            long[] shape = s.rows() == 1 ? new long[] {s.columns()} : new long[] {s.columns(), s.rows()};
            w.addTensor(s.name(), s.type(), shape, seg -> {
                for (int r = 0; r < s.rows(); r++) {
                    q.quantize(values, r * s.columns(), s.columns(), seg, r * q.byteSize(s.columns()));
                }
            });
        }
        w.write();
    }

    /** What one start saw: each matrix's products (batch 1, then batch 3), the cache's counts, the warnings. */
    private record Start(List<float[]> products, int mapped, int written, boolean cacheOn, List<String> warnings) {
    }

    private static Start start(Path model, Optional<Path> root, int layout) {
        List<String> warnings = Collections.synchronizedList(new ArrayList<>());
        List<float[]> products = new ArrayList<>();
        try (ModelFile f = GgufReader.open(model); VectorCompute c = new VectorCompute(2, Lanes.of(512), root, layout, warnings::add)) {
            c.attach(f);
            PackedCache cache = null;
            Random rnd = new Random(11);
            for (TensorInfo t : f.tensors()) {
                if (t.rank() != 2) {
                    continue;
                }
                int rows = (int) t.rows();
                int cols = (int) t.columns();
                Weights w = new Weights(t.name(), type(t.type()), f.data(t), rows, cols);
                float[] x = new float[3 * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rnd.nextGaussian();
                }
                float[] one = new float[rows];
                c.matmul(w, x, one, 1);
                float[] three = new float[3 * rows];
                c.matmul(w, x, three, 3);
                float[] each = new float[3 * rows];
                c.matvecEach(w, x, each, 3);
                products.add(one);
                products.add(three);
                products.add(each);
                if (c.cacheOf(w) != null) {
                    cache = c.cacheOf(w);
                }
            }
            return cache == null
                    ? new Start(products, 0, 0, false, List.copyOf(warnings))
                    : new Start(products, cache.mapped(), cache.written(), !cache.isOff(), List.copyOf(warnings));
        }
    }

    private static void assertSameProducts(Start expected, Start got, String what) {
        assertEquals(expected.products().size(), got.products().size(), what);
        for (int i = 0; i < expected.products().size(); i++) {
            assertArrayEquals(expected.products().get(i), got.products().get(i), what + ": product " + i);
        }
    }

    private Path model(long seed) {
        Path m = tmp.resolve("model.gguf");
        writeModel(m, seed);
        return m;
    }

    private static List<Path> cacheFiles(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".kpack")).sorted().toList();
        }
    }

    private static List<Path> temporaries(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void aSecondStartMapsEveryPackedMatrixFromTheCache() throws IOException {
        Path m = model(1);
        Path root = tmp.resolve("cache");
        Start uncached = start(m, Optional.empty(), PackedCache.LAYOUT_VERSION);
        Start first = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        assertEquals(PACKED, first.written());
        assertEquals(0, first.mapped());
        assertEquals(PACKED, cacheFiles(root).size());
        assertSameProducts(uncached, first, "first start");
        List<FileTime> times = new ArrayList<>();
        for (Path p : cacheFiles(root)) {
            times.add(Files.getLastModifiedTime(p));
        }
        Start second = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        assertEquals(PACKED, second.mapped());
        assertEquals(0, second.written());
        assertSameProducts(uncached, second, "second start");
        List<FileTime> after = new ArrayList<>();
        for (Path p : cacheFiles(root)) {
            after.add(Files.getLastModifiedTime(p));
        }
        assertEquals(times, after, "the second start wrote nothing");
        assertTrue(first.warnings().isEmpty() && second.warnings().isEmpty(), first.warnings() + " " + second.warnings());
        assertTrue(temporaries(root).isEmpty());
    }

    @Test
    void aChangedModelIsPackedAgain() throws IOException {
        Path m = model(1);
        Path root = tmp.resolve("cache");
        start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        // other weights, same size, and the old modification time put back: the header digest still differs
        FileTime old = Files.getLastModifiedTime(m);
        Files.delete(m); // the writer never fills a file that has content
        writeModel(m, 2);
        Files.setLastModifiedTime(m, old);
        Start uncached = start(m, Optional.empty(), PackedCache.LAYOUT_VERSION);
        Start changed = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        assertEquals(0, changed.mapped());
        assertEquals(PACKED, changed.written());
        assertSameProducts(uncached, changed, "after the model changed");
        assertEquals(PACKED, cacheFiles(root).size(), "the old model's files were replaced, not kept beside");

        // the same bytes with a new modification time are another version of the file too
        Files.setLastModifiedTime(m, FileTime.from(Instant.now().plusSeconds(5)));
        Start touched = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        assertEquals(0, touched.mapped());
        assertSameProducts(uncached, touched, "after touch");
    }

    @Test
    void anotherLayoutVersionIsPackedAgain() throws IOException {
        Path m = model(1);
        Path root = tmp.resolve("cache");
        Start v1 = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        Start v2 = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION + 1);
        assertEquals(0, v2.mapped());
        assertEquals(PACKED, v2.written());
        assertSameProducts(v1, v2, "layout version changed");
        assertEquals(PACKED, start(m, Optional.of(root), PackedCache.LAYOUT_VERSION + 1).mapped());
    }

    @Test
    void aDamagedTruncatedOrOverlongCacheFileIsNeverUsed() throws IOException {
        Path m = model(1);
        Path root = tmp.resolve("cache");
        Start clean = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        List<Path> files = cacheFiles(root);
        // one flipped bit deep in the packed bytes, one in the header, one file cut short, one too long
        flipBit(files.get(0), Files.size(files.get(0)) - 7);
        flipBit(files.get(1), 20);
        try (RandomAccessFile f = new RandomAccessFile(files.get(2).toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        Start repaired = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        assertEquals(PACKED - 3, repaired.mapped());
        assertEquals(3, repaired.written());
        assertSameProducts(clean, repaired, "damaged files");
        assertEquals(PACKED, start(m, Optional.of(root), PackedCache.LAYOUT_VERSION).mapped(), "repaired files are used");

        try (RandomAccessFile f = new RandomAccessFile(files.get(0).toFile(), "rw")) {
            f.setLength(f.length() + 4096);
        }
        Files.write(files.get(1), new byte[0]);
        Start again = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        assertEquals(PACKED - 2, again.mapped());
        assertSameProducts(clean, again, "overlong and empty files");
    }

    private static void flipBit(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x10);
        }
    }

    @Test
    void concurrentStartsLeaveWholeFiles() throws Exception {
        Path m = model(3);
        Path root = tmp.resolve("cache");
        Start uncached = start(m, Optional.empty(), PackedCache.LAYOUT_VERSION);
        int starts = 4;
        CyclicBarrier barrier = new CyclicBarrier(starts);
        ExecutorService pool = Executors.newFixedThreadPool(starts);
        try {
            List<Future<Start>> results = new ArrayList<>();
            for (int i = 0; i < starts; i++) {
                results.add(pool.submit(() -> {
                    barrier.await();
                    return start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
                }));
            }
            for (Future<Start> r : results) {
                Start s = r.get();
                assertSameProducts(uncached, s, "concurrent start");
                assertTrue(s.warnings().isEmpty(), s.warnings().toString());
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(temporaries(root).isEmpty(), "temporary files left: " + temporaries(root));
        Start after = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        assertEquals(PACKED, after.mapped(), "every file the racing starts left is whole");
        assertSameProducts(uncached, after, "after the race");
    }

    @Test
    void anUnusableCacheDirectoryFallsBackToMemoryWithOneWarning() throws IOException {
        Path m = model(1);
        Start uncached = start(m, Optional.empty(), PackedCache.LAYOUT_VERSION);
        // a regular file where a directory should be: no process, root included, can create the cache there
        Path blocker = tmp.resolve("not-a-directory");
        Files.writeString(blocker, "a user's file");
        Start s = start(m, Optional.of(blocker.resolve("kiln")), PackedCache.LAYOUT_VERSION);
        assertEquals(1, s.warnings().size(), s.warnings().toString());
        assertTrue(s.warnings().get(0).contains("packing in memory"), s.warnings().get(0));
        assertSameProducts(uncached, s, "in-memory fallback");
        assertEquals("a user's file", Files.readString(blocker));
    }

    @Test
    void aReadOnlyCacheDirectoryFallsBackToMemoryWithOneWarning() throws IOException {
        Path m = model(1);
        Path root = tmp.resolve("cache");
        Start first = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        // the model's directory exists but nothing can be created in it: as a directory without write
        // permission (not for root, which writes anyway), so here its files are replaced by a
        // directory each, which no rename can replace
        for (Path p : cacheFiles(root)) {
            Files.delete(p);
            Files.createDirectory(p);
        }
        Start s = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        assertEquals(1, s.warnings().size(), "one warning for the whole model: " + s.warnings());
        assertFalse(s.cacheOn());
        assertSameProducts(first, s, "in-memory fallback");
    }

    @Test
    void symbolicLinksInTheCacheAreNeverFollowed() throws IOException {
        Path m = model(1);
        Path root = tmp.resolve("cache");
        start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        Path outside = tmp.resolve("precious.txt");
        Files.writeString(outside, "keep me");
        List<Path> files = cacheFiles(root);
        Files.delete(files.get(0));
        Files.createSymbolicLink(files.get(0), outside);
        Start s = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        assertEquals(PACKED - 1, s.mapped());
        assertEquals("keep me", Files.readString(outside));
        assertTrue(Files.isRegularFile(files.get(0), java.nio.file.LinkOption.NOFOLLOW_LINKS), "the link was replaced by a cache file");

        // the model's directory itself a link to elsewhere: not used at all
        Path modelDir = files.get(0).getParent();
        Path elsewhere = tmp.resolve("elsewhere");
        Files.createDirectory(elsewhere);
        for (Path p : cacheFiles(root)) {
            Files.delete(p);
        }
        try (Stream<Path> rest = Files.list(modelDir)) {
            for (Path p : rest.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(modelDir);
        Files.createSymbolicLink(modelDir, elsewhere);
        Start linked = start(m, Optional.of(root), PackedCache.LAYOUT_VERSION);
        assertEquals(1, linked.warnings().size(), linked.warnings().toString());
        try (Stream<Path> s2 = Files.list(elsewhere)) {
            assertEquals(0, s2.count(), "nothing written through the link");
        }
    }
}
