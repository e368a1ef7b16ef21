package dev.kiln.runtime;

import dev.kiln.api.KilnException;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.lang.module.ResolvedModule;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds Kiln plugins with {@link ServiceLoader}: those on the module path (and class path) the
 * JVM started with, and those in jars dropped into a plugins directory. Each jar of that
 * directory is loaded into a {@link ModuleLayer} of its own over the boot layer, with its own
 * class loader, so a dropped jar needs no rebuild, sees only the built-in modules it requires
 * (in practice {@code dev.kiln.api} and {@code dev.kiln.toolkit}, which the cli keeps in the
 * boot layer) and cannot disturb another jar. A jar that cannot be loaded is skipped with one
 * warning and kept as a {@link BrokenPlugin}: one bad jar never disables the tool.
 */
public final class PluginLoader {
    private static final System.Logger LOG = System.getLogger(PluginLoader.class.getName());

    private PluginLoader() {
    }

    /**
     * Built-in plugins plus those in {@code pluginsDir}, if that directory exists. A jar that
     * cannot be loaded, or provides a plugin whose name is taken, is skipped with a warning and
     * listed in {@link Plugins#broken()}.
     */
    public static Plugins load(Path pluginsDir) {
        List<Plugin> found = new ArrayList<>(discoverBuiltIn());
        List<BrokenPlugin> broken = new ArrayList<>();
        if (pluginsDir != null && Files.isDirectory(pluginsDir)) {
            Map<String, Path> jarOfModule = new HashMap<>();
            for (Path jar : jarsIn(pluginsDir)) {
                try {
                    String module = moduleNameOf(jar);
                    Path other = jarOfModule.putIfAbsent(module, jar);
                    if (other != null) {
                        throw new KilnException("holds module " + module + ", as " + other + " does");
                    }
                    List<Plugin> provided = discover(layerOf(List.of(jar)));
                    new Plugins(concat(found, provided)); // a name already taken is this jar's fault
                    found.addAll(provided);
                } catch (KilnException e) {
                    BrokenPlugin b = new BrokenPlugin(jar, withoutJar(e.getMessage(), jar));
                    LOG.log(System.Logger.Level.WARNING, "skipped plugin jar " + b);
                    broken.add(b);
                }
            }
        }
        return new Plugins(found, broken);
    }

    private static List<Plugin> concat(List<Plugin> a, List<Plugin> b) {
        List<Plugin> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The reason alone: messages about a jar start by naming it, and the report names it already. */
    private static String withoutJar(String message, Path jar) {
        for (String prefix : List.of("plugin jar " + jar + " (module ", "plugin jar " + jar + " ", jar + ": ")) {
            if (message.startsWith(prefix)) {
                String rest = message.substring(prefix.length());
                if (prefix.endsWith("(module ")) {
                    return "module " + rest;
                }
                return rest.startsWith("is ") ? rest.substring(3) : rest;
            }
        }
        return message;
    }

    /** Plugins visible to the application class loader: the boot layer's modules and the class path. */
    public static List<Plugin> discoverBuiltIn() {
        List<Plugin> found = new ArrayList<>();
        for (PluginKind kind : PluginKind.values()) {
            found.addAll(collect(kind, ServiceLoader.load(kind.service()), null));
        }
        return found;
    }

    /** Plugins defined in {@code layer} itself (not in its parents). */
    public static List<Plugin> discover(ModuleLayer layer) {
        Objects.requireNonNull(layer, "layer is null");
        List<Plugin> found = new ArrayList<>();
        for (PluginKind kind : PluginKind.values()) {
            found.addAll(collect(kind, ServiceLoader.load(layer, kind.service()), layer));
        }
        return found;
    }

    /** The {@code .jar} files directly inside {@code dir}, sorted by name. */
    public static List<Path> jarsIn(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new KilnException("cannot list plugins directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads {@code jars} as modules of one new layer whose parent is the boot layer, all with one
     * class loader. A jar that is not a module, conflicts with another, or needs a module that is
     * not there is named in the {@link KilnException}.
     */
    public static ModuleLayer layerOf(List<Path> jars) {
        Map<String, Path> jarOfModule = new LinkedHashMap<>();
        for (Path jar : jars) {
            if (!Files.isRegularFile(jar)) {
                throw new KilnException("plugin jar " + jar + " does not exist");
            }
            String module = moduleNameOf(jar);
            Path other = jarOfModule.putIfAbsent(module, jar);
            if (other != null) {
                throw new KilnException("plugin jars " + other + " and " + jar + " both hold module " + module);
            }
            if (ModuleLayer.boot().findModule(module).isPresent()) {
                throw new KilnException("plugin jar " + jar + " holds module " + module
                        + ", which is already loaded (built in or on the module path)");
            }
        }
        ModuleLayer boot = ModuleLayer.boot();
        Path[] all = jars.toArray(Path[]::new);
        Configuration config;
        try {
            config = boot.configuration().resolveAndBind(ModuleFinder.of(all), ModuleFinder.of(), jarOfModule.keySet());
        } catch (FindException | ResolutionException e) {
            throw new KilnException(blame(jarOfModule, all) + ": " + e.getMessage(), e);
        }
        try {
            return boot.defineModulesWithOneLoader(config, PluginLoader.class.getClassLoader());
        } catch (LayerInstantiationException | SecurityException e) {
            throw new KilnException("plugin jars " + jarOfModule.values() + " cannot be loaded together: " + e.getMessage(), e);
        }
    }

    /** The module name of {@code jar} (declared, or derived from the file name for a plain jar). */
    private static String moduleNameOf(Path jar) {
        try {
            Set<ModuleReference> refs = ModuleFinder.of(jar).findAll();
            if (refs.size() != 1) {
                throw new KilnException("plugin jar " + jar + " is not a module jar");
            }
            return refs.iterator().next().descriptor().name();
        } catch (FindException e) {
            throw new KilnException("plugin jar " + jar + " is not a usable module: " + rootMessage(e), e);
        }
    }

    /** Resolves each jar alone (the others available) to find the one whose requirements fail. */
    private static String blame(Map<String, Path> jarOfModule, Path[] all) {
        Configuration boot = ModuleLayer.boot().configuration();
        for (Map.Entry<String, Path> e : jarOfModule.entrySet()) {
            try {
                boot.resolve(ModuleFinder.of(e.getValue()), ModuleFinder.of(all), Set.of(e.getKey()));
            } catch (FindException | ResolutionException failure) {
                return "plugin jar " + e.getValue() + " (module " + e.getKey() + ") cannot be loaded";
            }
        }
        return "plugin jars " + jarOfModule.values() + " cannot be loaded";
    }

    private static List<Plugin> collect(PluginKind kind, ServiceLoader<?> loader, ModuleLayer onlyLayer) {
        List<Plugin> found = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<?> provider : loader.stream().toList()) {
                Module module = provider.type().getModule();
                if (onlyLayer != null && module.getLayer() != onlyLayer) {
                    continue;
                }
                Object instance = instantiate(kind, provider);
                Plugin plugin = new Plugin(kind, name(kind, instance, provider.type()),
                        module.isNamed() ? module.getName() : "(classpath)", locationOf(provider.type()), instance);
                LOG.log(System.Logger.Level.DEBUG, "found {0}", plugin);
                found.add(plugin);
            }
        } catch (ServiceConfigurationError e) {
            throw new KilnException("cannot list " + kind.label() + " plugins: " + rootMessage(e), e);
        }
        return found;
    }

    private static Object instantiate(PluginKind kind, ServiceLoader.Provider<?> provider) {
        try {
            return provider.get();
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            throw new KilnException(kind.label() + " plugin " + provider.type().getName() + " from "
                    + locationOf(provider.type()) + " failed to start: " + rootMessage(e), e);
        }
    }

    private static String name(PluginKind kind, Object instance, Class<?> type) {
        String name;
        try {
            name = kind.nameOf(instance);
        } catch (RuntimeException | LinkageError e) {
            throw new KilnException(kind.label() + " plugin " + type.getName() + " from " + locationOf(type)
                    + " cannot tell its name: " + rootMessage(e), e);
        }
        if (name == null || name.isBlank()) {
            throw new KilnException(kind.label() + " plugin " + type.getName() + " from " + locationOf(type)
                    + " has no name");
        }
        return name;
    }

    /** Where {@code type} was loaded from: its module's jar, or its class-path entry. */
    static String locationOf(Class<?> type) {
        Module module = type.getModule();
        if (module.isNamed() && module.getLayer() != null) {
            URI uri = module.getLayer().configuration().findModule(module.getName())
                    .map(ResolvedModule::reference)
                    .flatMap(ModuleReference::location)
                    .orElse(null);
            if (uri != null) {
                return display(uri);
            }
        }
        var source = type.getProtectionDomain().getCodeSource();
        if (source != null && source.getLocation() != null) {
            try {
                return display(source.getLocation().toURI());
            } catch (java.net.URISyntaxException e) {
                return source.getLocation().toString();
            }
        }
        return "?";
    }

    private static String display(URI uri) {
        return "file".equals(uri.getScheme()) ? Path.of(uri).toString() : uri.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage()));
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null && !sb.toString().contains(t.getMessage())) {
                sb.append(": ").append(t.getMessage());
            }
        }
        return sb.toString();
    }
}
