package dev.kiln.cli;

import dev.kiln.runtime.BrokenPlugin;
import dev.kiln.runtime.Plugin;
import dev.kiln.runtime.Plugins;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln plugins}: every discovered plugin, one line each: kind, name, module, jar; then
 * each plugin jar that was skipped, as {@code broken - - JAR: REASON}.
 */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List every plugin found: kind, name, module and jar, one per line; then any plugin jar skipped as broken.")
final class PluginsCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    private final Provider<Plugins> plugins;

    @Inject
    PluginsCommand(Provider<Plugins> plugins) {
        this.plugins = plugins;
    }

    @Override
    public Integer call() {
        Plugins plugins = this.plugins.get();
        List<Plugin> all = plugins.all().stream()
                .sorted(Comparator.comparing(Plugin::kind).thenComparing(Plugin::name))
                .toList();
        int kindWidth = width(all.stream().map(p -> p.kind().label()).toList());
        int nameWidth = width(all.stream().map(Plugin::name).toList());
        int moduleWidth = width(all.stream().map(Plugin::module).toList());
        PrintWriter out = kiln.out();
        for (Plugin p : all) {
            out.println(pad(p.kind().label(), kindWidth) + "  " + pad(p.name(), nameWidth) + "  "
                    + pad(p.module(), moduleWidth) + "  " + p.location());
        }
        for (BrokenPlugin b : plugins.broken()) {
            out.println(pad("broken", kindWidth) + "  " + pad("-", nameWidth) + "  " + pad("-", moduleWidth) + "  "
                    + b.jar() + ": " + b.reason());
        }
        out.flush();
        return 0;
    }

    private static int width(List<String> values) {
        return values.stream().mapToInt(String::length).max().orElse(0);
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
