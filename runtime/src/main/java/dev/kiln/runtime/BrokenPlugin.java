package dev.kiln.runtime;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A jar in the plugins directory that could not be loaded: not a module, requiring a module
 * that is not there, a provider that fails to start, a name another plugin already has. It is
 * skipped (the rest of Kiln works), reported once, and listed by {@code kiln plugins}.
 *
 * @param jar the jar
 * @param reason what is wrong with it, one line
 */
public record BrokenPlugin(Path jar, String reason) {

    public BrokenPlugin {
        Objects.requireNonNull(jar, "jar is null");
        Objects.requireNonNull(reason, "reason is null");
    }

    @Override
    public String toString() {
        return jar + " (" + reason + ")";
    }
}
