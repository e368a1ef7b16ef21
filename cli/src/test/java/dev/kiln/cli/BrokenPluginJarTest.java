package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, finding 9: one bad jar in {@code plugins/} disabled every command, {@code kiln
 * plugins} included. Now it is skipped with one warning, listed as broken, and named when a
 * command needs what it may have provided.
 */
class BrokenPluginJarTest {

    @TempDir
    Path plugins;

    @Test
    void a_broken_jar_is_listed_and_skipped_and_the_tool_keeps_working() throws IOException {
        Path bad = Files.writeString(plugins.resolve("quant-q5_0-broken.jar"), "not a zip file");

        KilnRun list = KilnRun.of("--plugins", plugins.toString(), "plugins");
        assertEquals(0, list.status(), list::toString);
        List<String> rows = list.out().lines().toList();
        assertTrue(rows.stream().anyMatch(r -> r.matches("quant +Q8_0 +dev\\.kiln\\.quant\\.q8_0 +.*")), list::toString);
        assertTrue(rows.get(rows.size() - 1).matches("broken +- +- +" + java.util.regex.Pattern.quote(bad.toString())
                + ": not a usable module: .*"), list::toString);
        assertEquals(1, list.err().lines().filter(l -> l.startsWith("kiln: warning: skipped plugin jar " + bad)).count(),
                list::toString);

        KilnRun tokenize = KilnRun.of("--plugins", plugins.toString(), "tokenize", "-m",
                GenerateCommandTest.STORIES.toString(), "Hello");
        assertEquals(0, tokenize.status(), tokenize::toString);

        KilnRun needed = KilnRun.of("--plugins", plugins.toString(), "quantize", GenerateCommandTest.STORIES.toString(),
                plugins.resolve("out.gguf").toString(), "Q5_0");
        assertEquals(1, needed.status(), needed::toString);
        assertTrue(needed.err().contains("no quant-type plugin named 'Q5_0'") && needed.err().contains("skipped as broken: " + bad),
                needed::toString);
    }
}
