package dev.kiln.cli;

import dev.kiln.runtime.ModelOptions;
import java.io.PrintWriter;
import java.io.Writer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --backend NAME} and {@code -t N}: add with {@code @Mixin ComputeOptions} to commands that compute. */
public final class ComputeOptions {

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Compute backend (default: $kiln.backend, else $KILN_BACKEND, else the fastest supported).")
    String backend;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", converter = Ranges.Positive.class, description = "Worker threads (default: available cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    private Integer capped;

    /** The backend named on the command line, or null. */
    public String backend() {
        return backend;
    }

    /** The thread count, capped to the available cores (with one warning on the command's stderr). */
    public synchronized int threads() {
        if (capped == null) {
            capped = ThreadCount.capped(threads, mixee == null ? new PrintWriter(Writer.nullWriter()) : mixee.commandLine().getErr());
        }
        return capped;
    }

    /** The library's options for these flags, with a context size ({@code -c}; 0 for the model's). */
    public ModelOptions modelOptions(int contextSize) {
        return ModelOptions.defaults().withBackend(backend).withThreads(threads()).withContextSize(contextSize);
    }
}
