package dev.kiln.cli;

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
}
