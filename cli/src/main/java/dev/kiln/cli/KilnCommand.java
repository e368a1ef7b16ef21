package dev.kiln.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.PluginLoader;
import dev.kiln.runtime.Plugins;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The top {@code kiln} command. To add a command: write a class in this package annotated
 * {@code @Command(name = …)} with a {@code @ParentCommand KilnCommand kiln} field, then add it
 * to {@code subcommands} below (one line). Commands get their plugins and services from
 * {@link #injector()} (or {@link #injector(ComputeOptions)} when they compute, with
 * {@code @Mixin ComputeOptions} for {@code --backend} and {@code -t}) and print through
 * {@link #out()} / {@link #err()}.
 */
@Command(name = "kiln",
        mixinStandardHelpOptions = true,
        versionProvider = KilnVersion.class,
        description = "LLM inference on the JVM: GGUF models, pluggable quant types, backends and tokenizers.",
        subcommands = {
            InfoCommand.class,
            PluginsCommand.class,
            CheckPluginCommand.class,
            QuantizeCommand.class,
            GenerateCommand.class,
            ChatCommand.class,
            TokenizeCommand.class,
            PerplexityCommand.class,
            BenchCommand.class,
            SynthCommand.class,
        })
public final class KilnCommand implements Runnable {
    /** System property with the Kiln installation directory (set by the launcher). */
    public static final String HOME_PROPERTY = "kiln.home";
    /** System property naming the plugins directory. */
    public static final String PLUGINS_PROPERTY = "kiln.plugins";

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces and details.")
    boolean verbose;

    @Option(names = "--plugins", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Directory of plugin jars (default: $kiln.plugins, else <kiln home>/plugins).")
    Path pluginsDir;

    private Plugins plugins;
    private Injector injector;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (try 'kiln --help')");
    }

    /** The Kiln installation directory: {@code kiln.home}, else the working directory. */
    public static Path home() {
        String home = System.getProperty(HOME_PROPERTY);
        return Path.of(home == null || home.isBlank() ? "." : home);
    }

    /** The model run when a command gets no {@code -m}: the embedded stories260K. */
    public static Path defaultModel() {
        return home().resolve("models").resolve("stories260K.gguf");
    }

    /** The plugins directory: {@code --plugins}, else {@code kiln.plugins}, else {@code <home>/plugins}. */
    public Path pluginsDirectory() {
        if (pluginsDir != null) {
            return pluginsDir;
        }
        String property = System.getProperty(PLUGINS_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        return home().resolve("plugins");
    }

    /** Every plugin: built-in and from the plugins directory (discovered once). */
    public synchronized Plugins plugins() {
        if (plugins == null) {
            plugins = PluginLoader.load(pluginsDirectory());
            if (verbose) {
                // like Trino's PluginManager: say what was found and where, per plugin
                err().println("kiln: plugins directory " + pluginsDirectory().toAbsolutePath());
                plugins.all().forEach(p -> err().println("kiln: found " + p));
                err().flush();
            }
        }
        return plugins;
    }

    /** The engine (library entry point) over the discovered plugins. */
    public Kiln engine() {
        return injector().getInstance(Kiln.class);
    }

    /** Loads {@code model} (the embedded model when null) with the engine. */
    public KilnModel load(Path model, ModelOptions options) {
        return engine().open(model != null ? model : defaultModel(), options);
    }

    /** The injector of the discovered plugins (see {@link PluginModule}). */
    public synchronized Injector injector() {
        if (injector == null) {
            injector = Guice.createInjector(new PluginModule(plugins()));
        }
        return injector;
    }

    /** A child injector that also provides the chosen {@code Backend} and a {@code Compute} on it. */
    public Injector injector(ComputeOptions options) {
        return injector().createChildInjector(new ComputeModule(options));
    }

    public boolean verbose() {
        return verbose;
    }

    /** Standard output (UTF-8). */
    public java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Standard error (UTF-8). */
    public java.io.PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
