package dev.kiln.runtime;

import dev.kiln.api.KilnException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds the {@link PluginCheck} implementation, loading the kit's layer when it is not on the path. */
final class PluginCheckLoader {
    /** The folder, beside the runtime jar, that holds the check-plugin module, the kit and JUnit. */
    static final String KIT_DIRECTORY = "check-plugin";

    private PluginCheckLoader() {
    }

    static PluginCheck load() {
        Optional<PluginCheck> onPath = ServiceLoader.load(PluginCheck.class).findFirst();
        if (onPath.isPresent()) {
            return onPath.get();
        }
        Path kit = kitDirectory();
        List<Path> jars = Files.isDirectory(kit) ? PluginLoader.jarsIn(kit) : List.of();
        if (jars.isEmpty()) {
            throw new KilnException("check-plugin needs the conformance kit in " + kit
                    + ", which is missing or empty; rebuild Kiln (mvn package)");
        }
        ModuleLayer layer = PluginLoader.layerOf(jars);
        return ServiceLoader.load(layer, PluginCheck.class).findFirst().orElseThrow(() -> new KilnException(
                "the jars in " + kit + " provide no " + PluginCheck.class.getName() + "; rebuild Kiln (mvn package)"));
    }

    private static Path kitDirectory() {
        CodeSource source = PluginCheck.class.getProtectionDomain().getCodeSource();
        try {
            Path runtime = Path.of(source.getLocation().toURI());
            return runtime.toAbsolutePath().getParent().resolve(KIT_DIRECTORY);
        } catch (URISyntaxException | RuntimeException e) {
            throw new KilnException("cannot tell where the runtime module was loaded from (" + source + ") to find "
                    + KIT_DIRECTORY + "/", e);
        }
    }
}
