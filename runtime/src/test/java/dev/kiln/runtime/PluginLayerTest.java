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

/** A plugin jar dropped into a plugins directory is found in its own module layer, with its module and jar. */
class PluginLayerTest {

    @TempDir
    Path dir;

    @Test
    void a_dropped_in_jar_is_discovered_with_its_module_and_location() throws IOException {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path jar = backendJar(plugins.resolve("fake-backend.jar"));

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

    /** Compiles and jars module example.fake, which provides a Backend named "fake". */
    private Path backendJar(Path jar) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/example/fake"));
        Files.writeString(dir.resolve("src/module-info.java"), """
                module example.fake {
                    requires dev.kiln.api;
                    provides dev.kiln.api.backend.Backend with example.fake.FakeBackend;
                }
                """);
        Files.writeString(src.resolve("FakeBackend.java"), """
                package example.fake;
                public final class FakeBackend implements dev.kiln.api.backend.Backend {
                    public String name() { return "fake"; }
                    public int preference() { return Integer.MAX_VALUE; }
                    public dev.kiln.api.backend.Compute open(int threads) { throw new UnsupportedOperationException(); }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        URI api = ModuleLayer.boot().configuration().findModule("dev.kiln.api").orElseThrow()
                .reference().location().orElseThrow();
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(() -> new AssertionError("no javac in this JDK"));
        int status = javac.run(System.out, System.err, "-d", classes.toString(), "--module-path", Path.of(api).toString(),
                dir.resolve("src/module-info.java").toString(), src.resolve("FakeBackend.java").toString());
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
