package dev.kiln.runtime;

import dev.kiln.api.KilnException;
import java.nio.file.Path;

/**
 * How {@link Kiln#load} opens a model. Immutable; start from {@link #defaults()} and change what
 * you need with the {@code with…} methods.
 *
 * @param backend the compute backend's name ({@code vector}, {@code scalar}), or null for the
 *                {@code kiln.backend} property, else {@code KILN_BACKEND}, else the fastest supported
 * @param threads worker threads; 0 for one per available core
 * @param contextSize the KV-cache capacity of a session, in tokens; 0 for the model's trained
 *                    context, at most {@value #DEFAULT_CONTEXT_CAP}
 * @param pluginsDirectory a directory of plugin jars to load besides the built-in plugins, or null
 * @param chatTemplate a chat template name ({@code chatml}, {@code llama3}, {@code zephyr}) used
 *                     instead of the model's own, or null
 */
public record ModelOptions(String backend, int threads, int contextSize, Path pluginsDirectory, String chatTemplate) {
    /** The context a session gets by default when the model was trained for more (llama.cpp's default n_ctx). */
    public static final int DEFAULT_CONTEXT_CAP = 4096;

    public ModelOptions {
        if (threads < 0) {
            throw new KilnException("threads must be 0 (one per core) or more, got " + threads);
        }
        if (contextSize < 0) {
            throw new KilnException("context size must be 0 (the model's) or more, got " + contextSize);
        }
    }

    /** The fastest backend, one thread per core, the model's context (at most 4096), built-in plugins. */
    public static ModelOptions defaults() {
        return new ModelOptions(null, 0, 0, null, null);
    }

    public ModelOptions withBackend(String name) {
        return new ModelOptions(name, threads, contextSize, pluginsDirectory, chatTemplate);
    }

    public ModelOptions withThreads(int n) {
        return new ModelOptions(backend, n, contextSize, pluginsDirectory, chatTemplate);
    }

    public ModelOptions withContextSize(int tokens) {
        return new ModelOptions(backend, threads, tokens, pluginsDirectory, chatTemplate);
    }

    public ModelOptions withPluginsDirectory(Path dir) {
        return new ModelOptions(backend, threads, contextSize, dir, chatTemplate);
    }

    public ModelOptions withChatTemplate(String name) {
        return new ModelOptions(backend, threads, contextSize, pluginsDirectory, name);
    }

    /** The thread count to run with: {@link #threads()}, or one per available core. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
