package dev.kiln.cli;

import dev.kiln.api.KilnException;
import dev.kiln.conformance.Check;
import dev.kiln.runtime.Plugin;
import dev.kiln.runtime.PluginLoader;
import dev.kiln.runtime.io.InputFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.opentest4j.TestAbortedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln check-plugin PATH.jar}: loads the jar in a module layer of its own over the boot
 * layer, runs the conformance kit against every plugin it provides and prints PASS / FAIL per
 * check, grouped per plugin and contract. Exit status 1 if any check fails.
 */
@Command(name = "check-plugin", mixinStandardHelpOptions = true,
        description = "Run the conformance kit against every plugin a jar provides; PASS/FAIL per check.")
final class CheckPluginCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    @Parameters(paramLabel = "PATH.jar", description = "The plugin jar.")
    Path jar;

    @Option(names = "--vocab", paramLabel = "FILE",
            description = "Vocabulary GGUF to build tokenizer plugins from (default: the fixture vocabularies and the default model).")
    List<Path> vocabularies = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "SECONDS", converter = Ranges.Positive.class, description = "Fail a check that runs longer (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds = 300;

    /** Outcome of one check. */
    private enum Outcome { PASS, FAIL, UNMET }

    @Override
    public Integer call() {
        InputFiles.requireRegular(jar);
        ModuleLayer layer = PluginLoader.layerOf(List.of(jar));
        List<Plugin> provided = PluginLoader.discover(layer);
        String modules = String.join(", ", layer.modules().stream().map(Module::getName).sorted().toList());
        if (provided.isEmpty()) {
            throw new KilnException(jar + " (module " + modules + ") provides no Kiln plugin: its module-info has no "
                    + "'provides' of a dev.kiln.api service");
        }
        PrintWriter out = kiln.out();
        out.println("check-plugin " + jar + " (module " + modules + "): " + provided.size() + " plugin(s)");
        PluginContracts contracts = new PluginContracts(PluginLoader.discoverBuiltIn(), provided, vocabularies);
        int passed = 0;
        int failed = 0;
        int unmet = 0;
        Set<String> broken = new LinkedHashSet<>();
        for (Plugin plugin : provided) {
            String title = plugin.kind().label() + " " + plugin.name() + " (" + plugin.instance().getClass().getName() + ")";
            PluginContracts.Checks checks;
            try {
                checks = contracts.checksFor(plugin);
            } catch (RuntimeException | LinkageError e) {
                // the plugin broke while the kit was setting up (e.g. a tokenizer that cannot be built)
                out.println();
                out.println(title + ": FAIL  setting up the " + plugin.kind().label() + " contract: " + firstLine(e));
                failed++;
                broken.add(plugin.kind().label() + " contract of " + plugin.kind().label() + " " + plugin.name());
                continue;
            }
            for (String note : checks.notes()) {
                out.println();
                out.println(title + ": " + note);
            }
            String currentContract = null;
            int contractPassed = 0;
            int contractFailed = 0;
            for (Check check : checks.list()) {
                if (!check.contract().equals(currentContract)) {
                    summary(out, currentContract, contractPassed, contractFailed);
                    currentContract = check.contract();
                    contractPassed = 0;
                    contractFailed = 0;
                    out.println();
                    out.println(title + " - " + currentContract + " contract");
                }
                Outcome outcome = run(check, out);
                switch (outcome) {
                    case PASS -> { passed++; contractPassed++; }
                    case UNMET -> unmet++;
                    case FAIL -> {
                        failed++;
                        contractFailed++;
                        broken.add(check.contract() + " contract of " + plugin.kind().label() + " " + plugin.name());
                    }
                }
                out.flush();
            }
            summary(out, currentContract, contractPassed, contractFailed);
        }
        out.println();
        int total = passed + failed + unmet;
        if (total == 0 && failed == 0) {
            out.println("Result: NOT CHECKED - the kit has no contract for the plugins in this jar");
            out.flush();
            return 0;
        }
        if (failed == 0) {
            out.println("Result: PASS - " + passed + " of " + total + " checks passed"
                    + (unmet > 0 ? ", " + unmet + " goal(s) unmet" : ""));
            out.flush();
            return 0;
        }
        out.println("Result: FAIL - " + failed + " of " + total + " checks failed; broken: " + String.join("; ", broken));
        out.flush();
        kiln.err().println("kiln: " + jar + " fails the " + String.join("; ", broken));
        kiln.err().flush();
        return Main.USER_ERROR;
    }

    private Outcome run(Check check, PrintWriter out) {
        Throwable failure = execute(check);
        if (failure == null) {
            out.println("  PASS  " + check.name());
            return Outcome.PASS;
        }
        if (failure instanceof TestAbortedException) {
            out.println("  UNMET " + check.name() + ": " + firstLine(failure));
            return Outcome.UNMET;
        }
        out.println("  FAIL  " + check.name() + ": " + firstLine(failure));
        if (kiln.verbose()) {
            failure.printStackTrace(out);
        }
        return Outcome.FAIL;
    }

    /** Runs the check on a thread of its own, so a plugin that hangs fails the check instead of the command. */
    private Throwable execute(Check check) {
        Throwable[] failure = new Throwable[1];
        Thread runner = new Thread(() -> {
            try {
                check.body().execute();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "check-plugin");
        runner.setDaemon(true);
        runner.start();
        try {
            runner.join(timeoutSeconds * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
        if (runner.isAlive()) {
            runner.interrupt();
            return new AssertionError("did not finish within " + timeoutSeconds + " s");
        }
        return failure[0];
    }

    private static void summary(PrintWriter out, String contract, int passed, int failed) {
        if (contract != null) {
            out.println("  " + contract + ": " + passed + " passed, " + failed + " failed");
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        m = m.strip().lines().findFirst().orElse("");
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }
}
