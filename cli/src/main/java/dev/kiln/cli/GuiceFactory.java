package dev.kiln.cli;

import com.google.inject.ConfigurationException;
import com.google.inject.Injector;
import java.util.Objects;
import picocli.CommandLine;

/**
 * picocli's factory backed by Guice: commands, mixins and converters are built by the injector,
 * so a command receives what it needs through its constructor; classes Guice cannot build
 * (picocli's own) fall back to picocli's factory.
 */
final class GuiceFactory implements CommandLine.IFactory {
    private final Injector injector;

    GuiceFactory(Injector injector) {
        this.injector = Objects.requireNonNull(injector, "injector is null");
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
        try {
            return injector.getInstance(type);
        } catch (ConfigurationException e) {
            return CommandLine.defaultFactory().create(type);
        }
    }
}
