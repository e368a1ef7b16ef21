package dev.kiln.cli;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.KilnSession;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.ChatTemplate;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.Conversation;
import dev.kiln.runtime.generate.GenerationOptions;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.Sampler;
import dev.kiln.runtime.generate.SamplingSettings;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln chat}: a conversation with the model's chat template. Each line of stdin is one
 * user turn (so it works piped); the reply streams to stdout followed by a newline. The whole
 * conversation stays in one session's KV cache.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a model: one user turn per line of stdin, replies on stdout.")
final class ChatCommand implements Callable<Integer> {

    @ParentCommand
    KilnCommand kiln;

    private final Provider<Kiln> engine;

    @Inject
    ChatCommand(Provider<Kiln> engine) {
        this.engine = engine;
    }

    @Mixin
    ComputeOptions compute;

    @Mixin
    SamplingOptions sampling;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "The model file (default: the embedded stories260K).")
    Path model;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message opening the conversation.")
    String system;

    @Option(names = "--chat-template", paramLabel = "NAME",
            description = "chatml, llama3, zephyr, phi3, gemma, llama2[-sys[-bos|-strip]], mistral-v1, mistral-v3[-tekken] "
                    + "or mistral-v7[-tekken], instead of the one recognised in the model's tokenizer.chat_template "
                    + "(chatml when the model has none, as in llama.cpp).")
    String chatTemplate;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", converter = Ranges.CountOrUnlimited.class,
            description = "Most tokens per reply; -1 until the end of the turn or a full context (default: ${DEFAULT-VALUE}).")
    int tokens = -1;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", converter = Ranges.Positive.class,
            description = "Context (KV cache) size for the whole conversation (default: the model's, at most 4096).")
    Integer contextSize;

    @Override
    public Integer call() {
        PrintWriter out = kiln.out();
        PrintWriter err = kiln.err();
        SamplingSettings settings = sampling.settings();
        int ctx = contextSize != null ? contextSize : 0;
        ModelOptions options = compute.modelOptions(ctx).withChatTemplate(chatTemplate);
        try (KilnModel m = engine.get().open(KilnCommand.modelOrDefault(model), options)) {
            ChatTemplate template = m.chatTemplate();
            err.println("kiln: " + m.describe());
            if ((chatTemplate == null || chatTemplate.isBlank())
                    && m.file().metadata().findString("tokenizer.chat_template").isEmpty()) {
                err.println("kiln: the model has no chat template (tokenizer.chat_template); using chatml as llama.cpp does "
                        + "(choose another with --chat-template " + String.join("|", ChatTemplate.names().split(", ")) + ")");
            }
            err.println("kiln: chat template " + template.name() + (settings.isGreedy() ? "" : ", seed " + settings.seed()));
            err.flush();
            ContextSize.warnIfBeyondTrained(m.contextSize(), m.trainedContextLength(), err);
            KilnSession session = m.newSession();
            // one sampler for the whole conversation: its repetition-penalty window spans the turns, as llama-cli's does
            Conversation conversation = new Conversation(new Generator(session, m.tokenizer()), m.tokenizer(), template, system);
            Sampler sampler = new Sampler(settings);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            boolean interactive = System.console() != null && System.console().isTerminal();
            WriterOutputStream reply = new WriterOutputStream(out);
            while (true) {
                if (interactive) {
                    out.print("> ");
                    out.flush();
                }
                String line = readLine(in);
                if (line == null) {
                    break;
                }
                if (line.isBlank()) {
                    continue;
                }
                Completion stats = conversation.reply(line, sampler, new GenerationOptions(tokens, List.of(), false), reply);
                out.println();
                out.flush();
                if (kiln.verbose()) {
                    err.println(String.format(Locale.ROOT, "kiln: %d prompt tokens (%.2f tokens/s), %d generated (%.2f tokens/s), %d of %d context used",
                            stats.promptTokens(), stats.promptTokensPerSecond(), stats.generatedTokens(),
                            stats.generationTokensPerSecond(), session.position(), session.contextLength()));
                    err.flush();
                }
            }
        }
        return 0;
    }

    private static String readLine(BufferedReader in) {
        try {
            return in.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
