package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.attribute.ModuleAttribute;
import java.lang.constant.ModuleDesc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad plugin jars are named in the message; in a plugins directory they are skipped and listed
 * as broken, never disabling the others (issue 9, finding 9).
 */
class PluginLoaderTest {

    @TempDir
    Path dir;

    @Test
    void a_jar_that_is_not_a_zip_is_skipped_and_named() throws IOException {
        Path jar = Files.writeString(dir.resolve("garbage.jar"), "not a zip file");
        Plugins plugins = PluginLoader.load(dir);
        assertEquals(PluginLoader.discoverBuiltIn().size(), plugins.all().size(), "the built-in plugins still load");
        assertEquals(1, plugins.broken().size(), plugins.broken().toString());
        assertEquals(jar, plugins.broken().get(0).jar());
        assertTrue(plugins.broken().get(0).reason().startsWith("not a usable module"), plugins.broken().toString());
        KilnException e = assertThrows(KilnException.class, () -> PluginLoader.layerOf(List.of(jar)));
        assertTrue(e.getMessage().contains(jar.toString()), e.getMessage());
    }

    @Test
    void a_jar_needing_a_missing_module_is_skipped_and_the_others_load() throws IOException {
        Path jar = moduleJar(dir.resolve("needy.jar"), "example.needy", "no.such.module");
        moduleJar(dir.resolve("fine.jar"), "example.fine");
        Plugins plugins = PluginLoader.load(dir);
        assertEquals(1, plugins.broken().size(), plugins.broken().toString());
        BrokenPlugin b = plugins.broken().get(0);
        assertEquals(jar, b.jar());
        assertTrue(b.reason().contains("example.needy") && b.reason().contains("no.such.module"), b.reason());
        assertTrue(plugins.names(PluginKind.QUANT).endsWith("; skipped as broken: " + b), plugins.names(PluginKind.QUANT));
    }

    @Test
    void two_jars_holding_one_module_keep_the_first() throws IOException {
        Path a = moduleJar(dir.resolve("a.jar"), "example.same");
        Path b = moduleJar(dir.resolve("b.jar"), "example.same");
        Plugins plugins = PluginLoader.load(dir);
        assertEquals(List.of(new BrokenPlugin(b, "holds module example.same, as " + a + " does")), plugins.broken());
    }

    @Test
    void two_jars_with_one_module_name_are_both_named() throws IOException {
        Path a = moduleJar(dir.resolve("a.jar"), "example.same");
        Path b = moduleJar(dir.resolve("b.jar"), "example.same");
        KilnException e = assertThrows(KilnException.class, () -> PluginLoader.layerOf(List.of(a, b)));
        assertTrue(e.getMessage().contains(a.toString()) && e.getMessage().contains(b.toString()), e.getMessage());
    }

    @Test
    void a_jar_without_plugins_adds_nothing() throws IOException {
        moduleJar(dir.resolve("empty.jar"), "example.empty");
        int builtIn = PluginLoader.discoverBuiltIn().size();
        assertEquals(builtIn, PluginLoader.load(dir).all().size());
    }

    @Test
    void a_missing_plugins_directory_is_not_an_error() {
        assertEquals(PluginLoader.discoverBuiltIn().size(), PluginLoader.load(dir.resolve("absent")).all().size());
    }

    /** A jar holding only the module-info.class of module {@code name} requiring {@code requires}. */
    private static Path moduleJar(Path jar, String name, String... requires) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            out.putNextEntry(new JarEntry("module-info.class"));
            out.write(moduleInfo(name, requires));
            out.closeEntry();
        }
        return jar;
    }

    private static byte[] moduleInfo(String name, String... requires) {
        return ClassFile.of().buildModule(ModuleAttribute.of(ModuleDesc.of(name), module -> {
            module.requires(ModuleDesc.of("java.base"), ClassFile.ACC_MANDATED, null);
            for (String r : requires) {
                module.requires(ModuleDesc.of(r), 0, null);
            }
        }));
    }
}
