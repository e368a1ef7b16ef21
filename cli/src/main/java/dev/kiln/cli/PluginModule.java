package dev.kiln.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.Multibinder;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.format.ModelFormat;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.api.tokenizer.TokenizerFactory;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.Plugins;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Binds the discovered plugins: a set of each kind, the backends also by name (the options of
 * the backend choice, see {@link ComputeModule}), and the quant-type table.
 */
final class PluginModule extends AbstractModule {
    private final Plugins plugins;

    PluginModule(Plugins plugins) {
        this.plugins = Objects.requireNonNull(plugins, "plugins is null");
    }

    @Override
    protected void configure() {
        bind(Plugins.class).toInstance(plugins);
        Multibinder<ModelFormat> formats = Multibinder.newSetBinder(binder(), ModelFormat.class);
        plugins.formats().forEach(f -> formats.addBinding().toInstance(f));
        Multibinder<QuantType> quants = Multibinder.newSetBinder(binder(), QuantType.class);
        plugins.quantTypes().forEach(q -> quants.addBinding().toInstance(q));
        Multibinder<ModelArchitecture> architectures = Multibinder.newSetBinder(binder(), ModelArchitecture.class);
        plugins.architectures().forEach(a -> architectures.addBinding().toInstance(a));
        Multibinder<TokenizerFactory> tokenizers = Multibinder.newSetBinder(binder(), TokenizerFactory.class);
        plugins.tokenizerFactories().forEach(t -> tokenizers.addBinding().toInstance(t));
        Multibinder<Backend> backends = Multibinder.newSetBinder(binder(), Backend.class);
        MapBinder<String, Backend> backendsByName = MapBinder.newMapBinder(binder(), String.class, Backend.class);
        for (Backend b : plugins.backends()) {
            backends.addBinding().toInstance(b);
            backendsByName.addBinding(b.name().toLowerCase(Locale.ROOT)).toInstance(b);
        }
    }

    @Provides
    @Singleton
    Kiln engine() {
        return Kiln.of(plugins);
    }

    @Provides
    @Singleton
    QuantTypes quantTypes(Set<QuantType> types) {
        return new QuantTypes(types);
    }
}
