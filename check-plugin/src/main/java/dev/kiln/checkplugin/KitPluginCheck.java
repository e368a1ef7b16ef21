package dev.kiln.checkplugin;

import dev.kiln.api.KilnException;
import dev.kiln.conformance.Check;
import dev.kiln.runtime.Plugin;
import dev.kiln.runtime.PluginCheck;
import dev.kiln.runtime.PluginLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.opentest4j.TestAbortedException;

/**
 * Loads the jar in a module layer of its own over the boot layer, runs the conformance kit
 * against every plugin it provides and prints PASS / FAIL per check, grouped per plugin and
 * contract (the report of {@code kiln check-plugin}).
 */
public final class KitPluginCheck implements PluginCheck {

    /** Outcome of one check. */
    private enum Outcome { PASS, FAIL, UNMET }

    public KitPluginCheck() {
        // ServiceLoader needs a public no-arg constructor
    }

    @Override
    public boolean run(Path jar, Options options, PrintWriter out, PrintWriter err) {
        ModuleLayer layer = PluginLoader.layerOf(List.of(jar));
        List<Plugin> provided = PluginLoader.discover(layer);
        String modules = String.join(", ", layer.modules().stream().map(Module::getName).sorted().toList());
        if (provided.isEmpty()) {
            throw new KilnException(jar + " (module " + modules + ") provides no Kiln plugin: its module-info has no "
                    + "'provides' of a dev.kiln.api service");
        }
        out.println("check-plugin " + jar + " (module " + modules + "): " + provided.size() + " plugin(s)");
        PluginContracts contracts = new PluginContracts(PluginLoader.discoverBuiltIn(), provided, options.vocabularies());
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
                Outcome outcome = run(check, options, out);
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
            return true;
        }
        if (failed == 0) {
            out.println("Result: PASS - " + passed + " of " + total + " checks passed"
                    + (unmet > 0 ? ", " + unmet + " goal(s) unmet" : ""));
            out.flush();
            return true;
        }
        out.println("Result: FAIL - " + failed + " of " + total + " checks failed; broken: " + String.join("; ", broken));
        out.flush();
        err.println("kiln: " + jar + " fails the " + String.join("; ", broken));
        err.flush();
        return false;
    }

    private static Outcome run(Check check, PluginCheck.Options options, PrintWriter out) {
        Throwable failure = execute(check, options.timeoutSeconds());
        if (failure == null) {
            out.println("  PASS  " + check.name());
            return Outcome.PASS;
        }
        if (failure instanceof TestAbortedException) {
            out.println("  UNMET " + check.name() + ": " + firstLine(failure));
            return Outcome.UNMET;
        }
        out.println("  FAIL  " + check.name() + ": " + firstLine(failure));
        if (options.verbose()) {
            failure.printStackTrace(out);
        }
        return Outcome.FAIL;
    }

    /** Runs the check on a thread of its own, so a plugin that hangs fails the check instead of the command. */
    private static Throwable execute(Check check, int timeoutSeconds) {
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
