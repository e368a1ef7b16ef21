package dev.kiln.backend.vector;

import dev.kiln.api.GgmlType;
import dev.kiln.api.backend.AttentionParameters;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.backend.Weights;
import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The vector backend's compute context: built-in SIMD kernels for F32, F16, BF16, Q4_0, Q8_0,
 * Q4_K and Q6_K, packed layouts for the plugin types Q5_K, Q3_K, Q4_1, Q5_0, Q5_1, IQ4_XS and IQ4_NL (512-bit, whole 16-row groups),
 * any other type or shape through its plugin's {@code vectorKernel()} or {@code kernel()}, and every
 * op split over a {@link WorkerPool} of its own.
 */
public final class VectorCompute implements Compute {

    /** Below this many elements an element-wise op is cheaper on the calling thread than handed out. */
    private static final int PARALLEL_ELEMENTS = 1 << 15;
    /**
     * Types packed at first use (see {@link PackedMatrix}): {@code -Dkiln.vector.pack=Q4_0,Q4_K,Q6_K,Q5_K,Q3_K,Q4_1,Q5_0,Q5_1,IQ4_XS,IQ4_NL}
     * (the default), or {@code none} to measure the row-wise kernels (for the plugin types: the plugins'
     * {@code vectorKernel()}) against them. Q8_0 is packed only when named: its packed kernel rounds
     * once per block where the row kernel (and llama.cpp) keep lane sums, which moves greedy text
     * off llama.cpp's at a near-tie (KERNELS.md).
     */
    private static final String PACK = System.getProperty("kiln.vector.pack", "Q4_0,Q4_K,Q6_K,Q5_K,Q3_K,Q4_1,Q5_0,Q5_1,IQ4_XS,IQ4_NL");
    /** A thread other than any segment's owner: tells shared segments from thread-confined ones. */
    private static final Thread OTHER_THREAD = Thread.ofPlatform().unstarted(() -> { });
    /** Rows per decoded tile in prompt processing. */
    private static final int TILE_ROWS = 4;

    private final Lanes lanes;
    private final WorkerPool pool;
    private final FloatOps ops;
    private final DecodedTile tile;
    private final TokenTile tokenTile;
    private final Map<GgmlType, RowKernel> kernels = new EnumMap<>(GgmlType.class);
    private final Map<Class<?>, Optional<RowKernel>> verified = new ConcurrentHashMap<>();
    /** Per plugin class of a type with a packed layout but no row kernel: whether the plugin decodes that layout's probe alike. */
    private final Map<Class<?>, Boolean> pluginLayouts = new ConcurrentHashMap<>();
    private final float[][] scratch;
    private float[] roundedBatch = new float[0];
    /** The reused transposed batch for {@link TokenTile} (one caller at a time). */
    private float[] transposed;
    /** Packed matrices by the weights they were made from; one caller at a time (see {@link Compute}). */
    private final Map<Weights, PackedMatrix> packed = new HashMap<>();
    /** Where packed matrices are kept across runs ({@link PackedCache}), if anywhere. */
    private final Optional<Path> cacheRoot;
    private final int layoutVersion;
    private final Consumer<String> warn;
    /** The attached model files whose matrices are cached (see {@link #attach}). */
    private final List<CachedFile> cachedFiles = new ArrayList<>();

    private static final System.Logger LOG = System.getLogger(VectorCompute.class.getName());

    /** A compute context at the machine's preferred vector width. */
    public VectorCompute(int threads) {
        this(threads, Lanes.preferred());
    }

    /** A compute context at an explicit width (tests and benchmarks of the 128/256-bit paths). */
    public VectorCompute(int threads, Lanes lanes) {
        this(threads, lanes, PackedCache.defaultRoot(), PackedCache.LAYOUT_VERSION,
                message -> LOG.log(System.Logger.Level.WARNING, message));
    }

    /** A compute context keeping packed matrices under {@code cacheRoot} at {@code layoutVersion} (tests). */
    VectorCompute(int threads, Lanes lanes, Optional<Path> cacheRoot, int layoutVersion, Consumer<String> warn) {
        this.cacheRoot = Objects.requireNonNull(cacheRoot, "cacheRoot is null");
        this.layoutVersion = layoutVersion;
        this.warn = Objects.requireNonNull(warn, "warn is null");
        this.lanes = Objects.requireNonNull(lanes, "lanes is null");
        this.pool = new WorkerPool(threads, "kiln-vector");
        this.ops = new FloatOps(lanes);
        this.tile = new DecodedTile(lanes, ops);
        this.tokenTile = new TokenTile(lanes);
        this.scratch = new float[threads][];
        kernels.put(GgmlType.F32, new F32Kernel(lanes));
        kernels.put(GgmlType.F16, new F16Kernel(lanes));
        kernels.put(GgmlType.BF16, new Bf16Kernel(lanes));
        kernels.put(GgmlType.Q4_0, new Q4_0Kernel(lanes));
        kernels.put(GgmlType.Q8_0, new Q8_0Kernel(lanes));
        kernels.put(GgmlType.Q4_K, new Q4KKernel(lanes));
        kernels.put(GgmlType.Q6_K, new Q6KKernel(lanes));
    }

    /** The vector width this context runs at. */
    public Lanes lanes() {
        return lanes;
    }

    @Override
    public String backendName() {
        return VectorBackend.NAME;
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    /** A model file whose matrices are kept in {@code cache}: its mapping's base address and scope tell its slices. */
    private record CachedFile(PackedCache cache, long base, long end, MemorySegment.Scope scope, Map<Long, String> names) {
    }

    /**
     * Keeps the packed matrices of {@code file} in the cache directory (see {@link PackedCache}),
     * when anything is packed at this width and the cache is not turned off.
     */
    @Override
    public void attach(ModelFile file) {
        if (lanes.bits() != 512 || cacheRoot.isEmpty()) {
            return; // nothing is packed below 512 bits
        }
        Map<Long, String> names = new HashMap<>();
        long base = 0;
        long end = 0;
        MemorySegment.Scope scope = null;
        for (TensorInfo t : file.tensors()) {
            end = Math.max(end, t.offset() + t.byteSize());
            if (t.byteSize() > 0 && scope == null) {
                MemorySegment d = file.data(t);
                base = d.address() - t.offset();
                scope = d.scope();
            }
            names.putIfAbsent(t.offset(), t.name());
        }
        if (scope == null) {
            return;
        }
        Optional<PackedCache> cache = PackedCache.open(cacheRoot.get(), file.path(), layoutVersion, warn);
        if (cache.isPresent()) {
            cachedFiles.add(new CachedFile(cache.get(), base, end, scope, Map.copyOf(names)));
        }
    }

    /** The cache directory of the attached model file {@code w} is a slice of (tests); null if none. */
    PackedCache cacheOf(Weights w) {
        CachedFile f = cachedFile(w);
        return f == null ? null : f.cache();
    }

    private CachedFile cachedFile(Weights w) {
        MemorySegment d = w.data();
        for (CachedFile f : cachedFiles) {
            long offset = d.address() - f.base();
            if (d.scope().equals(f.scope()) && offset >= 0 && offset + d.byteSize() <= f.end()) {
                return f;
            }
        }
        return null;
    }

    private float[] scratch(int worker, int size) {
        float[] s = scratch[worker];
        if (s == null || s.length < size) {
            s = new float[size];
            scratch[worker] = s;
        }
        return s;
    }

    /**
     * The reused buffer for a batch of rounded activations. A new one per matmul was ~1 GB of
     * garbage per 512-token prompt, each array too large for the young generation, and the heap
     * grew to hold it (resident memory 1.9 GB for a 637 MB model). One caller at a time (see
     * {@link Compute}), so one buffer suffices.
     */
    private float[] roundedBatch(int size) {
        if (roundedBatch.length < size) {
            roundedBatch = new float[size];
        }
        return roundedBatch;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public void matmul(Weights w, float[] x, float[] out, int batch) {
        int rows = w.rows();
        int cols = w.columns();
        check(batch >= 1, "batch must be positive, got " + batch);
        check(x.length >= (long) batch * cols, w.name() + ": input has " + x.length + " floats, need " + (long) batch * cols);
        check(out.length >= (long) batch * rows, w.name() + ": output has " + out.length + " floats, need " + (long) batch * rows);
        RowKernel k = builtIn(w.type());
        PackedMatrix pluginPacked = k == null ? pluginPacked(w) : null;
        if (pluginPacked != null && batch == 1) {
            packedMatvec(pluginPacked, x, out);
        } else if (pluginPacked != null && !pluginPacked.tilesAgreeWithKernel()) {
            packedMatvecEach(pluginPacked, x, out, batch);
        } else if (pluginPacked != null) {
            packedMatmul(pluginPacked, pluginPacked::roundedActivations, x, out, batch);
        } else if (k == null) {
            DotKernel<?> plugin = w.type().vectorKernel().orElseGet(w.type()::kernel);
            pluginMatmul(plugin, w, x, out, batch);
        } else {
            PackedMatrix p = packed(k, w);
            if (p != null && batch == 1) {
                packedMatvec(p, x, out);
            } else if (p != null) {
                packedMatmul(p, k::roundedActivations, x, out, batch);
            } else if (batch == 1) {
                matvec(k, w, x, out);
            } else {
                decodedMatmul(k, w, x, out, batch);
            }
        }
    }

    @Override
    public void matvecEach(Weights w, float[] x, float[] out, int count) {
        int rows = w.rows();
        int cols = w.columns();
        check(count >= 1, "count must be positive, got " + count);
        check(x.length >= (long) count * cols, w.name() + ": input has " + x.length + " floats, need " + (long) count * cols);
        check(out.length >= (long) count * rows, w.name() + ": output has " + out.length + " floats, need " + (long) count * rows);
        RowKernel k = builtIn(w.type());
        PackedMatrix p = count == 1 ? null : k == null ? pluginPacked(w) : packed(k, w);
        if (count == 1 || (k == null && p == null)) {
            // a plugin kernel multiplies each vector of a batch exactly as it would alone
            matmul(w, x, out, count);
            return;
        }
        if (p != null) {
            packedMatvecEach(p, x, out, count);
        } else {
            matvecEach(k, w, x, out, count);
        }
    }

    /**
     * {@link #packedMatvec} for several vectors: each part of the groups is multiplied by every
     * vector in turn while its weights are in cache, with the single-vector kernel unchanged.
     */
    private void packedMatvecEach(PackedMatrix p, float[] x, float[] out, int count) {
        int cols = p.columns;
        int rows = p.rows;
        Object[] prepared = new Object[count];
        for (int b = 0; b < count; b++) {
            prepared[b] = p.prepare(java.util.Arrays.copyOfRange(x, b * cols, (b + 1) * cols));
        }
        int groups = p.groups();
        int per = Math.max(1, groups / (pool.threads() * 8));
        pool.run((groups + per - 1) / per, (part, worker) -> {
            int g0 = part * per;
            int g1 = Math.min(groups, g0 + per);
            for (int b = 0; b < count; b++) {
                p.dotGroups(g0, g1, prepared[b], out, b * rows);
            }
        });
    }

    /** {@link #matvec} for several vectors, sharing each part of the rows among them. */
    private void matvecEach(RowKernel k, Weights w, float[] x, float[] out, int count) {
        int rows = w.rows();
        int cols = w.columns();
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        Object[] prepared = new Object[count];
        for (int b = 0; b < count; b++) {
            prepared[b] = k.prepare(x, b * cols, cols);
        }
        int per = rowsPerPart(rows, 4);
        int parts = (rows + per - 1) / per;
        pool.run(parts, (part, worker) -> {
            int r0 = part * per;
            int r1 = Math.min(rows, r0 + per);
            for (int b = 0; b < count; b++) {
                k.dotRows(data, rowBytes, r0, r1, x, b * cols, cols, prepared[b], out, b * rows);
            }
        });
    }

    /**
     * The packed copy of a Q4_0, Q4_K or Q6_K matrix (see {@link PackedMatrix}), made at its first use;
     * {@code null} for other types or shapes. A copy whose source mapping was closed is dropped, so
     * a new file mapped at the same address is never served stale weights.
     */
    private PackedMatrix packed(RowKernel k, Weights w) {
        PackedMatrix.Format<?> format = packedFormat(k, w);
        if (format == null) {
            return null;
        }
        return cachedPacking(w, format);
    }

    /**
     * The packed copy of a matrix of a plugin type this backend has a packed layout for but no row
     * kernel (Q5_K, Q3_K, Q4_1, Q5_0, Q5_1, IQ4_XS, IQ4_NL: the plugins' own {@code vectorKernel()} serve every other shape and width),
     * if the plugin decodes a packed probe matrix as the layout does; {@code null} otherwise.
     */
    private PackedMatrix pluginPacked(Weights w) {
        PackedMatrix.Format<?> format = switch (w.type().ggmlType()) {
            case Q5_K -> PackedQ5K.FORMAT;
            case Q3_K -> PackedQ3K.FORMAT;
            case Q5_0 -> PackedQ5_0.FORMAT;
            case Q5_1 -> PackedQ5_1.FORMAT;
            case Q4_1 -> PackedQ4_1.FORMAT;
            case IQ4_XS -> PackedIQ4XS.FORMAT;
            case IQ4_NL -> PackedIQ4NL.FORMAT;
            default -> null;
        };
        if (format == null || !PACK.contains(format.type().name()) || !format.applies(lanes, w.rows(), w.columns())
                || !pluginLayouts.computeIfAbsent(w.type().getClass(), c -> LayoutProbe.agreesPacked(w.type(), format, pool))) {
            return null;
        }
        return cachedPacking(w, format);
    }

    /** Rounds activations as a kernel does before multiplying ({@code null}: used as they are). */
    @FunctionalInterface
    private interface Rounding {
        float[] round(float[] x, int offset, int n);
    }

    private PackedMatrix cachedPacking(Weights w, PackedMatrix.Format<?> format) {
        if (!w.data().isAccessibleBy(OTHER_THREAD)) {
            return null; // packing runs on the pool's threads, which cannot read a thread-confined segment
        }
        PackedMatrix p = packed.get(w);
        if (p != null && p.source.scope().equals(w.data().scope()) && w.data().scope().isAlive()) {
            return p;
        }
        packed.values().removeIf(old -> {
            boolean stale = !old.source.scope().isAlive() || old == packed.get(w);
            if (stale) {
                old.close();
            }
            return stale;
        });
        CachedFile file = cachedFile(w);
        if (file != null) {
            long offset = w.data().address() - file.base();
            p = file.cache().obtain(format, offset, file.names().getOrDefault(offset, w.name()), w.data(), w.rows(), w.columns(), pool);
        } else {
            p = format.pack(w.data(), w.rows(), w.columns(), pool);
        }
        packed.put(w, p);
        return p;
    }

    /** The packed form for {@code w} on kernel {@code k} (Q4_0, Q4_K, Q6_K in whole groups, at 512 bits), or null. */
    private PackedMatrix.Format<?> packedFormat(RowKernel k, Weights w) {
        PackedMatrix.Format<?> f = k instanceof Q4_0Kernel ? PackedQ4_0.FORMAT
                : k instanceof Q4KKernel ? PackedQ4K.FORMAT
                : k instanceof Q6KKernel ? PackedQ6K.FORMAT
                : k instanceof Q8_0Kernel ? PackedQ8_0.FORMAT
                : null;
        return f != null && PACK.contains(f.type().name()) && f.applies(lanes, w.rows(), w.columns()) ? f : null;
    }

    /** How many packed matrices this context holds (tests). */
    int packedMatrices() {
        return packed.size();
    }

    private void packedMatvec(PackedMatrix p, float[] x, float[] out) {
        Object prepared = p.prepare(x);
        int groups = p.groups();
        int per = Math.max(1, groups / (pool.threads() * 8));
        pool.run((groups + per - 1) / per, (part, worker) -> p.dotGroups(part * per, Math.min(groups, part * per + per), prepared, out, 0));
    }

    private void packedMatmul(PackedMatrix p, Rounding rounding, float[] x, float[] out, int batch) {
        float[] tokens = rounded(rounding, x, batch, p.columns);
        int groups = p.groups();
        int cols = p.columns;
        // two groups per part (a pair shares each activation load), the odd last group alone
        int pairs = (groups + 1) / 2;
        pool.run(pairs, (pair, worker) -> {
            float[] decoded = scratch(worker, 2 * PackedMatrix.GROUP * cols);
            int g = 2 * pair;
            if (g + 1 < groups) {
                p.decodeGroup(g, decoded, 0, 2 * PackedMatrix.GROUP);
                p.decodeGroup(g + 1, decoded, PackedMatrix.GROUP, 2 * PackedMatrix.GROUP);
                p.multiplyGroupPair(g, decoded, tokens, batch, out, p.rows);
            } else {
                p.decodeGroup(g, decoded);
                p.multiplyGroup(g, decoded, tokens, batch, out, p.rows);
            }
        });
    }

    /** The batch's activations as the kernel's type rounds them (the input itself if it does not). */
    private float[] rounded(Rounding rounding, float[] x, int batch, int cols) {
        float[] in = x;
        for (int b = 0; b < batch; b++) {
            float[] r = rounding.round(x, b * cols, cols);
            if (r != null) {
                if (in == x) {
                    in = roundedBatch(batch * cols);
                }
                System.arraycopy(r, 0, in, b * cols, cols);
            }
        }
        return in;
    }

    /**
     * The built-in kernel for this plugin's ggml type, if the plugin decodes that layout the way
     * the kernel does (checked once per plugin class); otherwise the plugin's own kernel runs.
     */
    private RowKernel builtIn(QuantType type) {
        RowKernel k = kernels.get(type.ggmlType());
        if (k == null) {
            return null;
        }
        return verified.computeIfAbsent(type.getClass(),
                c -> LayoutProbe.agrees(type, k) ? Optional.of(k) : Optional.empty()).orElse(null);
    }

    /** Whether matrices of {@code type} run on a built-in kernel here (rather than the plugin's). */
    boolean runsBuiltIn(QuantType type) {
        return builtIn(type) != null;
    }

    /** Rows per parallel piece: several pieces per thread so uneven progress evens out. */
    private int rowsPerPart(int rows, int multiple) {
        int per = Math.max(multiple, rows / (pool.threads() * 8));
        return (per + multiple - 1) / multiple * multiple;
    }

    private void matvec(RowKernel k, Weights w, float[] x, float[] out) {
        int rows = w.rows();
        int cols = w.columns();
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        Object prepared = k.prepare(x, 0, cols);
        int per = rowsPerPart(rows, 4);
        int parts = (rows + per - 1) / per;
        pool.run(parts, (part, worker) -> {
            int r0 = part * per;
            int r1 = Math.min(rows, r0 + per);
            k.dotRows(data, rowBytes, r0, r1, x, 0, cols, prepared, out, 0);
        });
    }

    private void decodedMatmul(RowKernel k, Weights w, float[] x, float[] out, int batch) {
        int rows = w.rows();
        int cols = w.columns();
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        float[] tokens = rounded(k::roundedActivations, x, batch, cols);
        if (batch >= tokenTile.tokens()) {
            tokenTileMatmul(k, w, tokens, out, batch);
            return;
        }
        int per = rowsPerPart(rows, TILE_ROWS);
        int parts = (rows + per - 1) / per;
        pool.run(parts, (part, worker) -> {
            float[] decoded = scratch(worker, TILE_ROWS * cols);
            int end = Math.min(rows, part * per + per);
            for (int r0 = part * per; r0 < end; r0 += TILE_ROWS) {
                int nr = Math.min(TILE_ROWS, end - r0);
                for (int r = 0; r < nr; r++) {
                    k.decode(data, (r0 + r) * rowBytes, decoded, r * cols, cols);
                }
                for (int t0 = 0; t0 < batch; t0 += 4) {
                    tile.multiply(decoded, nr, tokens, t0, Math.min(4, batch - t0), cols, out, rows, r0);
                }
            }
        });
    }

    /** Batches of at least two token vectors: decoded rows eight at a time, lanes over tokens (see {@link TokenTile}). */
    private void tokenTileMatmul(RowKernel k, Weights w, float[] tokens, float[] out, int batch) {
        int rows = w.rows();
        int cols = w.columns();
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        transposed = tokenTile.transpose(tokens, batch, cols, transposed);
        float[] xt = transposed;
        int per = rowsPerPart(rows, TokenTile.ROWS);
        int parts = (rows + per - 1) / per;
        pool.run(parts, (part, worker) -> {
            float[] decoded = scratch(worker, TokenTile.ROWS * cols);
            float[] lanesOut = new float[TokenTile.ROWS * tokenTile.tokens()];
            int end = Math.min(rows, part * per + per);
            for (int r0 = part * per; r0 < end; r0 += TokenTile.ROWS) {
                int nr = Math.min(TokenTile.ROWS, end - r0);
                for (int r = 0; r < nr; r++) {
                    k.decode(data, (r0 + r) * rowBytes, decoded, r * cols, cols);
                }
                java.util.Arrays.fill(decoded, nr * cols, TokenTile.ROWS * cols, 0f);
                tokenTile.multiply(decoded, nr, xt, batch, cols, out, rows, r0, lanesOut);
            }
        });
    }

    private <A> void pluginMatmul(DotKernel<A> k, Weights w, float[] x, float[] out, int batch) {
        int rows = w.rows();
        int cols = w.columns();
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        @SuppressWarnings("unchecked")
        A[] prepared = (A[]) new Object[batch];
        for (int b = 0; b < batch; b++) {
            prepared[b] = k.prepare(x, b * cols, cols);
        }
        int per = rowsPerPart(rows, 1);
        int parts = (rows + per - 1) / per;
        pool.run(parts, (part, worker) -> {
            int r0 = part * per;
            int r1 = Math.min(rows, r0 + per);
            for (int b = 0; b < batch; b++) {
                k.dotRows(data, r0 * rowBytes, rowBytes, r1 - r0, prepared[b], cols, out, b * rows + r0);
            }
        });
    }

    /** Runs {@code body} over {@code [0, batch)} rows of {@code n}, in parallel only when there is enough work. */
    private void rows(int batch, int n, WorkerPool.Body body) {
        if ((long) batch * n < PARALLEL_ELEMENTS || batch == 1) {
            for (int b = 0; b < batch; b++) {
                body.run(b, 0);
            }
        } else {
            pool.run(batch, body);
        }
    }

    /** Runs {@code body(from, to)} over chunks of {@code [0, n)}. */
    private void chunks(int n, Range body) {
        if (n < PARALLEL_ELEMENTS) {
            body.run(0, n);
            return;
        }
        int parts = pool.threads();
        int per = ((n + parts - 1) / parts + 63) & ~63;
        pool.run((n + per - 1) / per, (part, worker) -> body.run(part * per, Math.min(n, part * per + per)));
    }

    @FunctionalInterface
    private interface Range {
        void run(int from, int to);
    }

    @Override
    public void rmsNorm(float[] x, float[] weight, float eps, float[] out, int n, int batch) {
        check(x.length >= (long) n * batch && out.length >= (long) n * batch && weight.length >= n,
                "rmsNorm: arrays shorter than " + batch + " rows of " + n);
        rows(batch, n, (b, worker) -> ops.rmsNorm(x, b * n, weight, eps, out, n));
    }

    @Override
    public void rope(float[] x, int batch, int firstPos, int heads, int headDim, RopeTable table) {
        int pairs = table.pairs();
        check(2 * pairs <= headDim, "rope: " + pairs + " pairs do not fit a head of " + headDim);
        check(firstPos >= 0 && firstPos + batch <= table.positions(),
                "rope: positions " + firstPos + ".." + (firstPos + batch - 1) + " outside the table of " + table.positions());
        int dim = heads * headDim;
        rows(batch, dim, (b, worker) -> {
            int pos = firstPos + b;
            float[] cos2 = new float[2 * pairs];
            float[] sin2 = new float[2 * pairs];
            for (int i = 0; i < pairs; i++) {
                float c = table.cos()[pos * pairs + i];
                float s = table.sin()[pos * pairs + i];
                cos2[2 * i] = c;
                cos2[2 * i + 1] = c;
                sin2[2 * i] = -s;
                sin2[2 * i + 1] = s;
            }
            ops.rope(x, b * dim, heads, headDim, cos2, sin2, 2 * pairs);
        });
    }

    @Override
    public void ropeNeox(float[] x, int batch, int firstPos, int heads, int headDim, RopeTable table) {
        int pairs = table.pairs();
        check(2 * pairs <= headDim, "rope: " + pairs + " pairs do not fit a head of " + headDim);
        check(firstPos >= 0 && firstPos + batch <= table.positions(),
                "rope: positions " + firstPos + ".." + (firstPos + batch - 1) + " outside the table of " + table.positions());
        int dim = heads * headDim;
        check(x.length >= (long) batch * dim, "rope: x holds fewer than " + batch + " rows of " + dim);
        rows(batch, dim, (b, worker) -> ops.ropeNeox(x, b * dim, heads, headDim, table.cos(), table.sin(),
                (firstPos + b) * pairs, pairs));
    }

    @Override
    public void attention(float[] q, float[] keyCache, float[] valueCache, float[] out, int batch, int firstPos,
                          int heads, int kvHeads, int headDim, AttentionParameters parameters) {
        check(kvHeads > 0 && heads % kvHeads == 0, "attention: " + heads + " heads not a multiple of " + kvHeads + " kv heads");
        int group = heads / kvHeads;
        int qDim = heads * headDim;
        int kvDim = kvHeads * headDim;
        int positions = firstPos + batch;
        check(keyCache.length >= (long) positions * kvDim && valueCache.length >= (long) positions * kvDim,
                "attention: caches hold fewer than " + positions + " positions");
        float scale = parameters.scale();
        float cap = parameters.softCap();
        float inverseCap = cap > 0 ? 1.0f / cap : 0f;
        pool.run(batch * heads, (part, worker) -> {
            int b = part / heads;
            int h = part % heads;
            int last = firstPos + b;
            int first = parameters.firstVisible(last);
            int qo = b * qDim + h * headDim;
            int kvo = (h / group) * headDim;
            // [0, headDim): q rounded to F16; then the scores (see Compute.attention on rounding)
            float[] s = scratch(worker, headDim + last + 1);
            for (int d = 0; d < headDim; d++) {
                s[d] = Float.float16ToFloat(Float.floatToFloat16(q[qo + d]));
            }
            for (int t = first; t <= last; t++) {
                s[headDim + t] = ops.dot(s, 0, keyCache, t * kvDim + kvo, headDim);
            }
            if (cap > 0) {
                ops.softCap(s, cap, inverseCap, headDim + first, headDim + last + 1);
            }
            ops.scale(s, scale, headDim + first, headDim + last + 1);
            ops.softmax(s, headDim + first, last + 1 - first);
            java.util.Arrays.fill(out, qo, qo + headDim, 0f);
            for (int t = first; t <= last; t++) {
                float p = Float.float16ToFloat(Float.floatToFloat16(s[headDim + t]));
                ops.axpy(out, qo, p, valueCache, t * kvDim + kvo, headDim);
            }
        });
    }

    @Override
    public void siluMul(float[] gate, float[] up, int n) {
        chunks(n, (from, to) -> ops.siluMul(gate, up, from, to));
    }

    @Override
    public void geluMul(float[] gate, float[] up, int n) {
        check(gate.length >= n && up.length >= n, "geluMul: arrays shorter than " + n);
        chunks(n, (from, to) -> ops.geluMul(gate, up, from, to));
    }

    @Override
    public void addRows(float[] x, float[] bias, int n, int batch) {
        check(x.length >= (long) n * batch && bias.length >= n, "addRows: arrays shorter than " + batch + " rows of " + n);
        rows(batch, n, (b, worker) -> ops.addRow(x, b * n, bias, n));
    }

    @Override
    public void scale(float[] x, int n, float factor) {
        check(x.length >= n, "scale: array shorter than " + n);
        chunks(n, (from, to) -> ops.scale(x, factor, from, to));
    }

    @Override
    public void softCap(float[] x, int offset, int n, float cap) {
        check(offset >= 0 && n >= 0 && (long) offset + n <= x.length,
                "softCap: range " + offset + "+" + n + " outside an array of " + x.length);
        check(cap > 0 && Float.isFinite(cap), "softCap: cap is " + cap + ", must be positive");
        float inverse = 1.0f / cap;
        chunks(n, (from, to) -> ops.softCap(x, cap, inverse, offset + from, offset + to));
    }

    @Override
    public void add(float[] acc, float[] x, int n) {
        chunks(n, (from, to) -> ops.add(acc, x, from, to));
    }

    @Override
    public void softmax(float[] x, int offset, int n) {
        ops.softmax(x, offset, n);
    }

    @Override
    public void close() {
        packed.values().forEach(PackedMatrix::close);
        packed.clear();
        pool.close();
    }
}
