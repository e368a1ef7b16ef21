package dev.kiln.cli;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.ModelOptions;
import picocli.CommandLine.Option;

/** {@code --backend NAME} and {@code -t N}: add with {@code @Mixin ComputeOptions} to commands that compute. */
public final class ComputeOptions {

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Compute backend (default: $kiln.backend, else $KILN_BACKEND, else the fastest supported).")
    String backend;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: available cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    /** The backend named on the command line, or null. */
    public String backend() {
        return backend;
    }

    public int threads() {
        return threads;
    }

    /** The library's options for these flags, with a context size ({@code -c}; 0 for the model's). */
    public ModelOptions modelOptions(int contextSize) {
        if (threads < 1) {
            throw new KilnException("-t must be at least 1, got " + threads);
        }
        return ModelOptions.defaults().withBackend(backend).withThreads(threads).withContextSize(contextSize);
    }
}
