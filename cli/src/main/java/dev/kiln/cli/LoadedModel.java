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

    private LoadedModel(Path path, ModelFile file, Tokenizer tokenizer, Compute compute, Model model, long loadNanos) {
        this.path = path;
        this.file = file;
        this.tokenizer = tokenizer;
        this.compute = compute;
        this.model = model;
        this.loadNanos = loadNanos;
    }

    /** Opens {@code path}, builds its tokenizer and model on the backend {@code options} choose. */
    static LoadedModel open(KilnCommand kiln, Path path, ComputeOptions options) {
        long t0 = System.nanoTime();
        Plugins plugins = kiln.injector().getInstance(Plugins.class);
        ModelFile file = plugins.open(path);
        Compute compute = null;
        try {
            Tokenizer tokenizer = plugins.tokenizer(file.metadata());
            ModelArchitecture architecture = plugins.architecture(file.metadata());
            Injector injector = kiln.injector(options);
            compute = injector.getInstance(Compute.class);
            Model model = architecture.load(file, compute, injector.getInstance(QuantTypes.class));
            return new LoadedModel(path, file, tokenizer, compute, model, System.nanoTime() - t0);
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
                compute.threads() == 1 ? "" : "s", loadNanos / 1e6);
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
