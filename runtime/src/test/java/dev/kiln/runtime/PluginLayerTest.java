package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin jar dropped into a plugins directory is found in its own module layer, with its
 * module and jar; each jar gets a layer and class loader of its own (the README's claim, issue 9
 * finding 11), and one whose plugin name is taken is skipped as broken.
 */
class PluginLayerTest {

    @TempDir
    Path dir;

    @Test
    void a_dropped_in_jar_is_discovered_with_its_module_and_location() throws IOException {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path jar = backendJar(plugins.resolve("fake-backend.jar"), "example.fake", "fake");

        Plugins found = PluginLoader.load(plugins);

        Plugin fake = found.of(PluginKind.BACKEND).stream().filter(p -> p.name().equals("fake")).findFirst()
                .orElseThrow(() -> new AssertionError("fake backend not found in " + found.all()));
        assertEquals("example.fake", fake.module());
        assertEquals(jar.toString(), fake.location());
        Module module = fake.instance().getClass().getModule();
        assertTrue(module.getLayer() != ModuleLayer.boot(), "loaded into its own layer");
        // the highest preference among supported backends wins when none is named
        assertEquals("fake", found.backend(null).name());
        assertEquals(PluginLoader.discoverBuiltIn().size() + 1, found.all().size());
    }

    @Test
    void each_jar_gets_a_layer_and_class_loader_of_its_own_and_a_taken_name_is_skipped() throws IOException {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        backendJar(plugins.resolve("a.jar"), "example.a", "alpha");
        backendJar(plugins.resolve("b.jar"), "example.b", "beta");
        Path clash = backendJar(plugins.resolve("c.jar"), "example.c", "alpha");

        Plugins found = PluginLoader.load(plugins);

        Module a = found.of(PluginKind.BACKEND).stream().filter(p -> p.name().equals("alpha")).findFirst().orElseThrow()
                .instance().getClass().getModule();
        Module b = found.of(PluginKind.BACKEND).stream().filter(p -> p.name().equals("beta")).findFirst().orElseThrow()
                .instance().getClass().getModule();
        assertEquals("example.a", a.getName());
        assertTrue(a.getLayer() != b.getLayer(), "one layer per jar");
        assertTrue(a.getClassLoader() != b.getClassLoader(), "one class loader per jar");
        assertEquals(1, found.broken().size(), found.broken().toString());
        assertEquals(clash, found.broken().get(0).jar());
        assertTrue(found.broken().get(0).reason().startsWith("two backend plugins are named alpha"), found.broken().toString());
    }

    /** Compiles and jars module {@code module}, which provides a Backend named {@code name}. */
    private Path backendJar(Path jar, String module, String name) throws IOException {
        Path root = dir.resolve("build-" + module);
        Path src = Files.createDirectories(root.resolve("src/" + module.replace('.', '/')));
        Files.writeString(root.resolve("src/module-info.java"), """
                module %s {
                    requires dev.kiln.api;
                    provides dev.kiln.api.backend.Backend with %s.FakeBackend;
                }
                """.formatted(module, module));
        Files.writeString(src.resolve("FakeBackend.java"), """
                package %s;
                public final class FakeBackend implements dev.kiln.api.backend.Backend {
                    public String name() { return "%s"; }
                    public int preference() { return Integer.MAX_VALUE; }
                    public dev.kiln.api.backend.Compute open(int threads) { throw new UnsupportedOperationException(); }
                }
                """.formatted(module, name));
        Path classes = Files.createDirectories(root.resolve("classes"));
        URI api = ModuleLayer.boot().configuration().findModule("dev.kiln.api").orElseThrow()
                .reference().location().orElseThrow();
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(() -> new AssertionError("no javac in this JDK"));
        int status = javac.run(System.out, System.err, "-d", classes.toString(), "--module-path", Path.of(api).toString(),
                root.resolve("src/module-info.java").toString(), src.resolve("FakeBackend.java").toString());
        assertEquals(0, status, "javac failed");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
             Stream<Path> walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(p));
                out.closeEntry();
            }
        }
        return jar;
    }
}
