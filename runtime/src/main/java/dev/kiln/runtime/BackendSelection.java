package dev.kiln.runtime;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Backend;
import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Chooses the compute backend: the one named by {@code --backend}, else by the system property
 * {@value #PROPERTY}, else by the environment variable {@value #ENV}, else the supported backend
 * with the highest {@link Backend#preference()}; when that is not the most preferred backend of
 * all (the Vector API is unavailable), one warning says why. Like Druid's PolyBind, the choice is a config
 * value looked up in a map of named options, and an unknown value fails with the known ones.
 */
public final class BackendSelection {
    /** System property naming the backend. */
    public static final String PROPERTY = "kiln.backend";
    /** Environment variable naming the backend. */
    public static final String ENV = "KILN_BACKEND";

    private static final System.Logger LOG = System.getLogger(BackendSelection.class.getName());
    /** A fallback is told once per JVM, however often a backend is chosen. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private final Map<String, Backend> byName = new TreeMap<>();

    public BackendSelection(Collection<Backend> backends) {
        for (Backend b : backends) {
            Backend previous = byName.putIfAbsent(b.name().toLowerCase(Locale.ROOT), b);
            if (previous != null) {
                throw new KilnException("two backend plugins are named '" + b.name() + "': "
                        + previous.getClass().getName() + " and " + b.getClass().getName());
            }
        }
    }

    /** Chooses with {@code explicit} (the command-line value, may be null), this JVM's property and environment. */
    public Backend choose(String explicit) {
        return choose(explicit, System.getProperty(PROPERTY), System.getenv(ENV));
    }

    /** Chooses from the three configured values, first non-blank one wins; all may be null. */
    public Backend choose(String explicit, String property, String environment) {
        if (present(explicit)) {
            return named(explicit.trim(), "--backend");
        }
        if (present(property)) {
            return named(property.trim(), "system property " + PROPERTY);
        }
        if (present(environment)) {
            return named(environment.trim(), "environment variable " + ENV);
        }
        return fastest();
    }

    /** The names of every backend, sorted. */
    public String names() {
        return String.join(", ", byName.keySet());
    }

    private Backend named(String name, String source) {
        Backend b = byName.get(name.toLowerCase(Locale.ROOT));
        if (b == null) {
            throw new KilnException("unknown backend '" + name + "' (from " + source + "); available: "
                    + (byName.isEmpty() ? "none" : names()));
        }
        Optional<String> reason = b.unsupportedReason();
        if (reason.isPresent()) {
            throw new KilnException("backend '" + b.name() + "' (from " + source + ") cannot run here: " + reason.get());
        }
        return b;
    }

    private Backend fastest() {
        if (byName.isEmpty()) {
            throw new KilnException("no backend plugin found");
        }
        Backend chosen = byName.values().stream()
                .filter(b -> b.unsupportedReason().isEmpty())
                .max(Comparator.comparingInt(Backend::preference))
                .orElseThrow(() -> new KilnException("no backend can run here: " + byName.values().stream()
                        .map(b -> b.name() + " (" + b.unsupportedReason().orElse("?") + ")")
                        .collect(Collectors.joining(", "))));
        Backend best = byName.values().stream().max(Comparator.comparingInt(Backend::preference)).orElseThrow();
        if (best != chosen) {
            String warning = "the " + best.name() + " backend cannot run here (" + best.unsupportedReason().orElse("?")
                    + "); using " + chosen.name();
            if (WARNED.add(warning)) {
                LOG.log(System.Logger.Level.WARNING, warning);
            }
        }
        return chosen;
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }
}
