package dev.kiln.runtime;

import java.util.Objects;

/**
 * One discovered plugin: a provider of one of Kiln's services.
 *
 * @param kind which service it provides
 * @param name the name it is chosen by (e.g. {@code Q4_0}, {@code vector}, {@code llama})
 * @param module the JPMS module that holds it, or {@code (classpath)} for the unnamed module
 * @param location the jar or directory it was loaded from, or {@code ?} when the JVM does not say
 * @param instance the provider itself
 */
public record Plugin(PluginKind kind, String name, String module, String location, Object instance) {

    public Plugin {
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(module, "module is null");
        Objects.requireNonNull(location, "location is null");
        Objects.requireNonNull(instance, "instance is null");
    }

    /** The provider as its service type. */
    public <T> T as(Class<T> service) {
        return service.cast(instance);
    }

    @Override
    public String toString() {
        return kind.label() + " " + name + " (" + module + ", " + location + ")";
    }
}
