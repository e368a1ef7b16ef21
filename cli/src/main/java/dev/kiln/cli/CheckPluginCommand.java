package dev.kiln.cli;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.PluginCheck;
import dev.kiln.runtime.io.InputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln check-plugin PATH.jar}: runs the conformance kit against every plugin the jar
 * provides and prints PASS / FAIL per check, grouped per plugin and contract. Exit status 1 if
 * any check fails. The kit and JUnit are loaded for this command alone ({@link PluginCheck#load()}).
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

    @Override
    public Integer call() {
        InputFiles.requireRegular(jar);
        List<Path> vocabs = vocabularies.isEmpty() ? defaultVocabularies() : vocabularies;
        boolean passed = PluginCheck.load().run(jar, new PluginCheck.Options(vocabs, timeoutSeconds, kiln.verbose()),
                kiln.out(), kiln.err());
        return passed ? 0 : Main.USER_ERROR;
    }

    /** The fixture vocabularies of this installation and its default model. */
    private static List<Path> defaultVocabularies() {
        Path home = KilnCommand.home();
        List<Path> out = new ArrayList<>();
        Path vocabDir = home.resolve("fixtures").resolve("vocab");
        if (Files.isDirectory(vocabDir)) {
            try (Stream<Path> files = Files.list(vocabDir)) {
                files.filter(p -> p.toString().endsWith(".gguf")).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new KilnException("cannot list " + vocabDir + ": " + e.getMessage(), e);
            }
        }
        if (Files.isRegularFile(KilnCommand.defaultModel())) {
            out.add(KilnCommand.defaultModel());
        }
        return out;
    }
}
