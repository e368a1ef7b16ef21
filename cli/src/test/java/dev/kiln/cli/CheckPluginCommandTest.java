package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln check-plugin} on a jar compiled here: a backend whose {@code open} throws must fail
 * the Backend contract, and the report and the exit status must say so. (The passing case, a real
 * Q5_0 plugin, is run by {@code examples/drop-in-test}.)
 */
class CheckPluginCommandTest {

    @TempDir
    Path dir;

    @Test
    void a_broken_backend_fails_the_backend_contract() throws IOException {
        Path jar = pluginJar("example.brokenbackend", "dev.kiln.api.backend.Backend", "BrokenBackend", """
                public final class BrokenBackend implements dev.kiln.api.backend.Backend {
                    public String name() { return "broken"; }
                    public int preference() { return 0; }
                    public dev.kiln.api.backend.Compute open(int threads) {
                        throw new UnsupportedOperationException("not written yet");
                    }
                }
                """);
        KilnRun run = KilnRun.of("check-plugin", jar.toString());
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.out().contains("backend broken (example.brokenbackend.BrokenBackend) - Backend contract"), run::toString);
        assertTrue(run.out().contains("  FAIL  name is non-empty and open() reports it: not written yet"), run::toString);
        assertTrue(run.out().contains("Result: FAIL") && run.out().contains("broken: Backend contract of backend broken"),
                run::toString);
        assertTrue(run.err().startsWith("kiln: ") && run.err().contains("Backend contract of backend broken"), run::toString);
    }

    @Test
    void a_jar_without_plugins_is_a_user_error() throws IOException {
        Path jar = pluginJar("example.nothing", null, "Nothing", "public final class Nothing { }\n");
        KilnRun run = KilnRun.of("check-plugin", jar.toString());
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("provides no Kiln plugin"), run::toString);
    }

    /** Compiles module {@code module} with one class (providing {@code service} if not null) into a jar. */
    private Path pluginJar(String module, String service, String className, String body) throws IOException {
        Path src = Files.createDirectories(dir.resolve(module).resolve("src"));
        Path pkg = Files.createDirectories(src.resolve(module.replace('.', '/')));
        Files.writeString(src.resolve("module-info.java"), "module " + module + " {\n    requires dev.kiln.api;\n"
                + (service == null ? "" : "    provides " + service + " with " + module + "." + className + ";\n") + "}\n");
        Files.writeString(pkg.resolve(className + ".java"), "package " + module + ";\n" + body);
        Path classes = Files.createDirectories(dir.resolve(module).resolve("classes"));
        URI api = ModuleLayer.boot().configuration().findModule("dev.kiln.api").orElseThrow()
                .reference().location().orElseThrow();
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(() -> new AssertionError("no javac"));
        int status = javac.run(System.out, System.err, "-d", classes.toString(), "--module-path", Path.of(api).toString(),
                src.resolve("module-info.java").toString(), pkg.resolve(className + ".java").toString());
        assertEquals(0, status, "javac failed");
        Path jar = dir.resolve(module + ".jar");
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
