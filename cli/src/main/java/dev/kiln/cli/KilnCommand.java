package dev.kiln.cli;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.io.FileKind;
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
 * to {@code subcommands} below (one line). Guice builds the commands (see {@link PluginModule}):
 * a command takes the engine ({@code Provider<Kiln>}) or the plugins in an {@code @Inject}
 * constructor, adds {@code @Mixin ComputeOptions} for {@code --backend} and {@code -t} when it
 * computes, and prints through {@link #out()} / {@link #err()}.
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

    /** {@code model}, or the embedded model when it is null (no {@code -m}). */
    public static Path modelOrDefault(Path model) {
        return model != null ? model : defaultModel();
    }

    /**
     * The plugins directory: {@code --plugins}, else {@code kiln.plugins}, else {@code <home>/plugins}
     * (which need not exist). A directory named by the option or the property must exist: a typo
     * must not silently drop the plugins the user meant to load.
     */
    public Path pluginsDirectory() {
        if (pluginsDir != null) {
            return requireDirectory(pluginsDir, "--plugins");
        }
        String property = System.getProperty(PLUGINS_PROPERTY);
        if (property != null && !property.isBlank()) {
            return requireDirectory(Path.of(property), "system property " + PLUGINS_PROPERTY);
        }
        return home().resolve("plugins");
    }

    private static Path requireDirectory(Path dir, String source) {
        FileKind kind = FileKind.of(dir);
        if (kind != FileKind.DIRECTORY) {
            throw new KilnException("plugins directory " + dir + " (from " + source + ") "
                    + (kind == FileKind.MISSING ? "does not exist" : "is " + kind.description() + ", not a directory"));
        }
        return dir;
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
