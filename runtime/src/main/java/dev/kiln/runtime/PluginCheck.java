package dev.kiln.runtime;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code kiln check-plugin} runs: the conformance kit against every plugin one jar
 * provides, one PASS / FAIL line per check. The implementation (module
 * {@code dev.kiln.checkplugin}), the kit and JUnit are kept off the module path of every other
 * command; {@link #load()} brings them in.
 */
public interface PluginCheck {

    /**
     * How to check.
     *
     * @param vocabularies GGUF files to build tokenizer plugins from
     * @param timeoutSeconds time one check may take before it fails
     * @param verbose print the stack trace of each failure
     */
    record Options(List<Path> vocabularies, int timeoutSeconds, boolean verbose) {
        public Options {
            vocabularies = List.copyOf(vocabularies);
        }
    }

    /**
     * Loads {@code jar} into a layer of its own, runs the kit's checks for each plugin it
     * provides and writes the report to {@code out}.
     *
     * @return whether no check failed; if one did, a line naming the broken contracts goes to {@code err}
     * @throws dev.kiln.api.KilnException if the jar cannot be loaded or provides no plugin
     */
    boolean run(Path jar, Options options, PrintWriter out, PrintWriter err);

    /**
     * The implementation: from the module or class path when it is there (tests, an IDE), else
     * from the {@code check-plugin} folder beside the runtime jar (the launcher's
     * {@code modules/check-plugin/}), loaded with the kit and JUnit into a new module layer.
     *
     * @throws dev.kiln.api.KilnException if neither has it
     */
    static PluginCheck load() {
        return PluginCheckLoader.load();
    }
}
