package dev.kiln.api.backend;

import java.util.Optional;

/**
 * A compute backend plugin, chosen by name ({@code --backend}, {@code kiln.backend},
 * {@code KILN_BACKEND}) or, when none is named, the supported one with the highest
 * {@link #preference()}. Kiln ships {@code scalar} and {@code vector}.
 */
public interface Backend {

    /** Short name used to choose this backend, e.g. {@code vector}. */
    String name();

    /** Higher is faster; the default choice is the supported backend with the highest value. */
    int preference();

    /** Why this backend cannot run in this JVM, or empty if it can. */
    default Optional<String> unsupportedReason() {
        return Optional.empty();
    }

    /** Starts a compute context with its own pool of {@code threads} worker threads. */
    Compute open(int threads);
}
