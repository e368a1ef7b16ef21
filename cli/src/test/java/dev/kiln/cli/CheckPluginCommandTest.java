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

    @Test
    void an_architecture_on_the_decoder_toolkit_passes_the_architecture_contract() throws IOException {
        Path jar = pluginJar("example.tinyarch", "dev.kiln.api.model.ModelArchitecture", "TinyArch", """
                import dev.kiln.toolkit.decoder.*;
                import dev.kiln.toolkit.decoder.DecoderTensors.Block;
                public final class TinyArch extends DecoderArchitecture {
                    public TinyArch() {
                        super("tinyarch", java.util.EnumSet.of(Block.ATTN_NORM, Block.ATTN_Q, Block.ATTN_K, Block.ATTN_V,
                                        Block.ATTN_Q_NORM, Block.ATTN_K_NORM, Block.ATTN_OUTPUT, Block.FFN_NORM, Block.FFN_GATE,
                                        Block.FFN_UP, Block.FFN_DOWN, Block.FFN_POST_NORM),
                                (hp, metadata) -> DecoderConfig.builder(hp).ropeMode(RopeMode.NEOX).activation(GateActivation.GELU)
                                        .slidingWindow(3, layer -> layer % 2 == 0).attentionSoftCap(20f).finalSoftCap(15f).build(),
                                java.util.List.of(DecoderShape.of("tiny", 64, 2, 96, 4, 2, 32, 256, 10000f, 1e-6f, true, "none.gguf")));
                    }
                }
                """, "dev.kiln.toolkit");
        KilnRun run = KilnRun.of("check-plugin", jar.toString());
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().contains("architecture tinyarch (example.tinyarch.TinyArch) - ModelArchitecture contract"), run::toString);
        assertTrue(run.out().contains("one decode step of several sessions gives each exactly its own logits (synthetic tiny on vector)"),
                run::toString);
        assertTrue(run.out().contains("malformed hyper-parameters are refused"), run::toString);
        assertTrue(run.out().contains("Result: PASS"), run::toString);
    }

    /** Compiles module {@code module} with one class (providing {@code service} if not null) into a jar. */
    private Path pluginJar(String module, String service, String className, String body, String... requires) throws IOException {
        Path src = Files.createDirectories(dir.resolve(module).resolve("src"));
        Path pkg = Files.createDirectories(src.resolve(module.replace('.', '/')));
        StringBuilder required = new StringBuilder("    requires dev.kiln.api;\n");
        StringBuilder modulePath = new StringBuilder(modulePath("dev.kiln.api"));
        for (String r : requires) {
            required.append("    requires ").append(r).append(";\n");
            modulePath.append(java.io.File.pathSeparator).append(modulePath(r));
        }
        Files.writeString(src.resolve("module-info.java"), "module " + module + " {\n" + required
                + (service == null ? "" : "    provides " + service + " with " + module + "." + className + ";\n") + "}\n");
        Files.writeString(pkg.resolve(className + ".java"), "package " + module + ";\n" + body);
        Path classes = Files.createDirectories(dir.resolve(module).resolve("classes"));
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(() -> new AssertionError("no javac"));
        int status = javac.run(System.out, System.err, "-d", classes.toString(), "--module-path", modulePath.toString(),
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

    private static String modulePath(String module) {
        URI location = ModuleLayer.boot().configuration().findModule(module).orElseThrow()
                .reference().location().orElseThrow();
        return Path.of(location).toString();
    }
}
