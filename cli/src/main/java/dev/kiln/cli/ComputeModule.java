package dev.kiln.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import dev.kiln.runtime.BackendSelection;
import java.util.Map;
import java.util.Objects;

/**
 * The backend choice, PolyBind style: the named backends come from {@link PluginModule}'s map,
 * the key from {@code --backend} / {@code kiln.backend} / {@code KILN_BACKEND}, read when the
 * backend is first injected; an unknown name fails listing the known ones.
 */
final class ComputeModule extends AbstractModule {
    private final ComputeOptions options;

    ComputeModule(ComputeOptions options) {
        this.options = Objects.requireNonNull(options, "options is null");
    }

    @Provides
    @Singleton
    Backend backend(Map<String, Backend> backends) {
        return new BackendSelection(backends.values()).choose(options.backend());
    }

    /** A compute context on the chosen backend; the caller closes it. */
    @Provides
    @Singleton
    Compute compute(Backend backend) {
        if (options.threads() < 1) {
            throw new dev.kiln.api.KilnException("-t must be at least 1, got " + options.threads());
        }
        return backend.open(options.threads());
    }
}
