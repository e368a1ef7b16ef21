package dev.kiln.runtime;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kiln's entry point for Java code. It discovers the plugins (formats, quant types, backends,
 * architectures, tokenizers) once and loads models with them.
 *
 * <pre>{@code
 * try (KilnModel model = Kiln.load(Path.of("model.gguf"), ModelOptions.defaults().withThreads(4))) {
 *     Completion c = model.generate("Once upon a time", GenerateParams.greedy(64), System.out::print);
 *     System.out.println("\n" + c.generatedTokens() + " tokens, " + c.stopReason());
 * }
 * }</pre>
 *
 * A {@link KilnModel} is thread-safe: one loaded model serves many threads and sessions at once.
 */
public final class Kiln {
    /** One engine per plugins directory (the key "" for none): plugin jars are loaded once per JVM. */
    private static final Map<String, Kiln> ENGINES = new ConcurrentHashMap<>();

    private final Plugins plugins;

    private Kiln(Plugins plugins) {
        this.plugins = Objects.requireNonNull(plugins, "plugins is null");
    }

    /** Loads {@code model} with the default options. */
    public static KilnModel load(Path model) {
        return load(model, ModelOptions.defaults());
    }

    /**
     * Loads {@code model}: maps the file, builds its tokenizer, opens the compute backend and the
     * model's architecture over the mapped weights.
     *
     * @throws dev.kiln.api.KilnException if the file, its metadata or tensors, the backend or an
     *         option is not usable; the message names the problem
     */
    public static KilnModel load(Path model, ModelOptions options) {
        Objects.requireNonNull(options, "options is null");
        return withPlugins(options.pluginsDirectory()).open(model, options);
    }

    /** The engine with the built-in plugins and those in {@code pluginsDirectory} (may be null), discovered once per JVM. */
    public static Kiln withPlugins(Path pluginsDirectory) {
        String key = pluginsDirectory == null ? "" : pluginsDirectory.toAbsolutePath().normalize().toString();
        return ENGINES.computeIfAbsent(key, k -> new Kiln(PluginLoader.load(pluginsDirectory)));
    }

    /** An engine over plugins discovered elsewhere (the CLI discovers them once and wires them). */
    public static Kiln of(Plugins plugins) {
        return new Kiln(plugins);
    }

    /** The plugins this engine runs with. */
    public Plugins plugins() {
        return plugins;
    }

    /** Loads {@code path} with this engine's plugins ({@code options.pluginsDirectory()} is not consulted). */
    public KilnModel open(Path path, ModelOptions options) {
        Objects.requireNonNull(path, "path is null");
        Objects.requireNonNull(options, "options is null");
        long t0 = System.nanoTime();
        ModelFile file = plugins.open(path);
        Compute compute = null;
        try {
            long t1 = System.nanoTime();
            Tokenizer tokenizer = plugins.tokenizer(file.metadata());
            long t2 = System.nanoTime();
            ModelArchitecture architecture = plugins.architecture(file.metadata());
            Backend backend = plugins.backend(options.backend());
            compute = backend.open(options.effectiveThreads());
            compute.attach(file);
            long t3 = System.nanoTime();
            Model model = architecture.load(file, compute, plugins.quantTypeTable());
            long t4 = System.nanoTime();
            LoadTimes times = new LoadTimes(t1 - t0, t2 - t1, t3 - t2, t4 - t3);
            return new KilnModel(path, file, tokenizer, compute, model, options, times);
        } catch (RuntimeException | Error e) {
            if (compute != null) {
                compute.close();
            }
            file.close();
            throw e;
        }
    }

    /** Opens {@code path} for its metadata and tensors only (no backend, no model): {@code kiln info}, quantize. */
    public ModelFile openFile(Path path) {
        return plugins.open(path);
    }

    /** The tokenizer a model or vocab-only file describes. */
    public Tokenizer tokenizer(ModelFile file) {
        return plugins.tokenizer(file.metadata());
    }

    /** Where the time of {@link #open} went, in nanoseconds. */
    record LoadTimes(long open, long tokenizer, long backend, long model) {
        long total() {
            return open + tokenizer + backend + model;
        }
    }
}
