package dev.kiln.cli;

import com.google.inject.Injector;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.ModelArchitecture;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.Plugins;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A model file opened for inference: the mapped file, its tokenizer, the compute context on the
 * chosen backend and the model built over them, with how long that took. Closing it stops the
 * compute threads and unmaps the file.
 */
final class LoadedModel implements AutoCloseable {
    final Path path;
    final ModelFile file;
    final Tokenizer tokenizer;
    final Compute compute;
    final Model model;
    final long loadNanos;
    /** Where the load time went: plugins, open, tokenizer, backend, model (milliseconds). */
    final String breakdown;

    private LoadedModel(Path path, ModelFile file, Tokenizer tokenizer, Compute compute, Model model, long loadNanos,
                        String breakdown) {
        this.path = path;
        this.file = file;
        this.tokenizer = tokenizer;
        this.compute = compute;
        this.model = model;
        this.loadNanos = loadNanos;
        this.breakdown = breakdown;
    }

    /** Opens {@code path}, builds its tokenizer and model on the backend {@code options} choose. */
    static LoadedModel open(KilnCommand kiln, Path path, ComputeOptions options) {
        long t0 = System.nanoTime();
        Plugins plugins = kiln.injector().getInstance(Plugins.class);
        long t1 = System.nanoTime();
        ModelFile file = plugins.open(path);
        Compute compute = null;
        try {
            long t2 = System.nanoTime();
            Tokenizer tokenizer = plugins.tokenizer(file.metadata());
            long t3 = System.nanoTime();
            ModelArchitecture architecture = plugins.architecture(file.metadata());
            Injector injector = kiln.injector(options);
            compute = injector.getInstance(Compute.class);
            long t4 = System.nanoTime();
            Model model = architecture.load(file, compute, injector.getInstance(QuantTypes.class));
            long t5 = System.nanoTime();
            String breakdown = String.format(Locale.ROOT, "plugins %.0f ms, open %.0f ms, tokenizer %.0f ms, backend %.0f ms, model %.0f ms",
                    (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6, (t5 - t4) / 1e6);
            return new LoadedModel(path, file, tokenizer, compute, model, t5 - t0, breakdown);
        } catch (RuntimeException e) {
            if (compute != null) {
                compute.close();
            }
            file.close();
            throw e;
        }
    }

    /** One line for stderr: what was loaded, where it runs and how long loading took. */
    String describe() {
        return String.format(Locale.ROOT, "loaded %s (%s, vocabulary %d, context %d) on the %s backend, %d thread%s, in %.0f ms",
                path.getFileName(), file.metadata().findString("general.architecture").orElse("?"),
                model.vocabularySize(), model.contextLength(), compute.backendName(), compute.threads(),
                compute.threads() == 1 ? "" : "s", loadNanos / 1e6) + " (" + breakdown + ")";
    }

    @Override
    public void close() {
        try {
            compute.close();
        } finally {
            file.close();
        }
    }
}
