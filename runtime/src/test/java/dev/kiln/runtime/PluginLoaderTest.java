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

/** Bad plugin jars are refused with a message naming the jar. */
class PluginLoaderTest {

    @TempDir
    Path dir;

    @Test
    void a_jar_that_is_not_a_zip_is_named() throws IOException {
        Path jar = Files.writeString(dir.resolve("garbage.jar"), "not a zip file");
        KilnException e = assertThrows(KilnException.class, () -> PluginLoader.load(dir));
        assertTrue(e.getMessage().contains(jar.toString()), e.getMessage());
    }

    @Test
    void a_jar_needing_a_missing_module_is_named() throws IOException {
        Path jar = moduleJar(dir.resolve("needy.jar"), "example.needy", "no.such.module");
        KilnException e = assertThrows(KilnException.class, () -> PluginLoader.load(dir));
        assertTrue(e.getMessage().contains(jar.toString()) && e.getMessage().contains("no.such.module"), e.getMessage());
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
