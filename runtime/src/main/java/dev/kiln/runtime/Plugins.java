package dev.kiln.runtime;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.format.Metadata;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerFactory;
import dev.kiln.runtime.io.FilesInUse;
import dev.kiln.runtime.io.InputFiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The plugins available in one run, with the lookups the engine needs: the format that
 * recognizes a file, the architecture for {@code general.architecture}, the tokenizer for
 * {@code tokenizer.ggml.model}, a quant type by name, the backend to use.
 */
public final class Plugins {
    private final List<Plugin> all;
    private final List<BrokenPlugin> broken;

    /** @throws KilnException if two plugins of one kind share a name */
    public Plugins(List<Plugin> plugins) {
        this(plugins, List.of());
    }

    /**
     * @param broken the plugin jars that were skipped (see {@link PluginLoader#load})
     * @throws KilnException if two plugins of one kind share a name
     */
    public Plugins(List<Plugin> plugins, List<BrokenPlugin> broken) {
        this.all = List.copyOf(plugins);
        this.broken = List.copyOf(broken);
        Map<String, Plugin> seen = new HashMap<>();
        for (Plugin p : all) {
            Plugin previous = seen.putIfAbsent(p.kind() + "/" + p.name().toLowerCase(Locale.ROOT), p);
            if (previous != null) {
                throw new KilnException("two " + p.kind().label() + " plugins are named " + p.name() + ": "
                        + previous.module() + " (" + previous.location() + ") and " + p.module() + " (" + p.location() + ")");
            }
        }
    }

    /** Every plugin, in discovery order (built-in first, by kind). */
    public List<Plugin> all() {
        return all;
    }

    /** The plugin jars that could not be loaded and were skipped. */
    public List<BrokenPlugin> broken() {
        return broken;
    }

    public List<Plugin> of(PluginKind kind) {
        return all.stream().filter(p -> p.kind() == kind).toList();
    }

    private <T> List<T> instances(PluginKind kind, Class<T> type) {
        return all.stream().filter(p -> p.kind() == kind).map(p -> p.as(type)).toList();
    }

    public List<ModelFormat> formats() {
        return instances(PluginKind.FORMAT, ModelFormat.class);
    }

    public List<QuantType> quantTypes() {
        return instances(PluginKind.QUANT, QuantType.class);
    }

    public List<Backend> backends() {
        return instances(PluginKind.BACKEND, Backend.class);
    }

    public List<ModelArchitecture> architectures() {
        return instances(PluginKind.ARCHITECTURE, ModelArchitecture.class);
    }

    public List<TokenizerFactory> tokenizerFactories() {
        return instances(PluginKind.TOKENIZER, TokenizerFactory.class);
    }

    /** The quant types by ggml type, as models and backends consume them. */
    public QuantTypes quantTypeTable() {
        return new QuantTypes(quantTypes());
    }

    /** The quant type named {@code name} (case-insensitive, e.g. {@code q4_k}). */
    public Optional<QuantType> quantType(String name) {
        return quantTypes().stream().filter(t -> t.name().equalsIgnoreCase(name)).findFirst();
    }

    /** The backend chosen by {@code explicit} (may be null), {@code kiln.backend}, {@code KILN_BACKEND} or preference. */
    public Backend backend(String explicit) {
        return new BackendSelection(backends()).choose(explicit);
    }

    /** The format plugin that recognizes {@code file}. */
    public ModelFormat formatFor(Path file) {
        InputFiles.requireRegular(file);
        return formats().stream().filter(f -> f.recognizes(file)).findFirst()
                .orElseThrow(() -> new KilnException(file + ": not a model file any format plugin recognizes (formats: "
                        + names(PluginKind.FORMAT) + ")"));
    }

    /**
     * Opens {@code file} with the format that recognizes it. The file is watched while open, so
     * that a read fault after someone truncated it names it (see {@link dev.kiln.runtime.io.MappedFileFault}).
     */
    public ModelFile open(Path file) {
        return FilesInUse.watch(formatFor(file).open(file));
    }

    /** The format plugin named {@code name} (e.g. {@code gguf}). */
    public ModelFormat format(String name) {
        return formats().stream().filter(f -> f.name().equalsIgnoreCase(name)).findFirst()
                .orElseThrow(() -> new KilnException("no format plugin named '" + name + "' (formats: "
                        + names(PluginKind.FORMAT) + ")"));
    }

    /** The architecture plugin for the file's {@code general.architecture}. */
    public ModelArchitecture architecture(Metadata metadata) {
        String name = metadata.getString("general.architecture");
        return architectures().stream().filter(a -> a.name().equals(name)).findFirst()
                .orElseThrow(() -> new KilnException("unsupported architecture '" + name
                        + "' (general.architecture); supported: " + names(PluginKind.ARCHITECTURE)));
    }

    /** The tokenizer plugin for the file's {@code tokenizer.ggml.model}. */
    public TokenizerFactory tokenizerFactory(Metadata metadata) {
        String model = metadata.getString("tokenizer.ggml.model");
        return tokenizerFactories().stream().filter(t -> t.model().equals(model)).findFirst()
                .orElseThrow(() -> new KilnException("unsupported tokenizer model '" + model
                        + "' (tokenizer.ggml.model); supported: " + names(PluginKind.TOKENIZER)));
    }

    /** A tokenizer built from the file's {@code tokenizer.ggml.*} metadata. */
    public Tokenizer tokenizer(Metadata metadata) {
        return tokenizerFactory(metadata).create(metadata);
    }

    /**
     * The names of the plugins of {@code kind}, comma-separated, or {@code none}; for the "not
     * found" messages, so they also name the plugin jars that were skipped as broken (the one
     * the user needed may be among them).
     */
    public String names(PluginKind kind) {
        String s = of(kind).stream().map(Plugin::name).collect(Collectors.joining(", "));
        return (s.isEmpty() ? "none" : s) + (broken.isEmpty() ? ""
                : "; skipped as broken: " + broken.stream().map(BrokenPlugin::toString).collect(Collectors.joining(", ")));
    }
}
