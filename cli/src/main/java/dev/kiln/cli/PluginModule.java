package dev.kiln.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.PluginLoader;
import dev.kiln.runtime.Plugins;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The cli's wiring: the root command (one instance, whose options picocli fills), the plugins
 * discovered once from its {@code --plugins} directory, and the engine over them. Everything is
 * provided lazily, when a command first asks, because the plugins directory is known only once
 * the command line is parsed. The backend is chosen by config value in the engine
 * ({@link dev.kiln.runtime.BackendSelection}, Druid's PolyBind idea) from the backends by name bound here.
 */
final class PluginModule extends AbstractModule {
    private final KilnCommand root;

    PluginModule(KilnCommand root) {
        this.root = Objects.requireNonNull(root, "root is null");
    }

    @Override
    protected void configure() {
        bind(KilnCommand.class).toInstance(root);
    }

    @Provides
    @Singleton
    Plugins plugins() {
        Plugins plugins = PluginLoader.load(root.pluginsDirectory());
        if (root.verbose()) {
            // like Trino's PluginManager: say what was found and where, per plugin
            root.err().println("kiln: plugins directory " + root.pluginsDirectory().toAbsolutePath());
            plugins.all().forEach(p -> root.err().println("kiln: found " + p));
            root.err().flush();
        }
        return plugins;
    }

    @Provides
    @Singleton
    Kiln engine(Plugins plugins) {
        return Kiln.of(plugins);
    }

    @Provides
    @Singleton
    QuantTypes quantTypes(Plugins plugins) {
        return plugins.quantTypeTable();
    }

    /** The backends by lower-case name: the options the engine's backend choice picks from. */
    @Provides
    @Singleton
    Map<String, Backend> backendsByName(Plugins plugins) {
        Map<String, Backend> byName = new LinkedHashMap<>();
        plugins.backends().forEach(b -> byName.put(b.name().toLowerCase(Locale.ROOT), b));
        return Map.copyOf(byName);
    }
}
