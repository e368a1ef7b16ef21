package dev.kiln.runtime.generate;

import dev.kiln.api.model.Session;
import dev.kiln.api.tokenizer.Tokenizer;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A chat on one session: each user turn is formatted with the chat template and only the text
 * that is new since the last turn is evaluated, so the conversation stays in the KV cache
 * (llama-cli's approach: format the whole history, feed the difference).
 */
public final class Conversation {
    private final Generator generator;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final List<ChatMessage> messages = new ArrayList<>();
    /** The text whose tokens the session holds. */
    private String evaluated = "";

    public Conversation(Generator generator, Tokenizer tokenizer, ChatTemplate template, String system) {
        this.generator = Objects.requireNonNull(generator, "generator is null");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer is null");
        this.template = Objects.requireNonNull(template, "template is null");
        if (system != null && !system.isEmpty()) {
            messages.add(ChatMessage.system(system));
        }
    }

    public List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /**
     * Adds the user's turn and generates the assistant's reply into {@code out}. Generation
     * stops at an end token, at the template's end-of-turn text or at {@code options}' limits.
     */
    public Completion reply(String user, Sampler sampler, GenerationOptions options, OutputStream out) {
        return reply(user, (prompt, opts) -> generator.generate(prompt, sampler, opts, out), options);
    }

    /** As {@link #reply(String, Sampler, GenerationOptions, OutputStream)}, the reply's text handed to {@code onText}. */
    public Completion reply(String user, Sampler sampler, GenerationOptions options, Consumer<String> onText) {
        return reply(user, (prompt, opts) -> generator.generate(prompt, sampler, opts, onText), options);
    }

    /** Forgets the conversation (but a system message) and empties the session. */
    public void reset() {
        messages.removeIf(m -> !m.role().equals("system"));
        generator.session().rewind(0);
        evaluated = "";
    }

    private interface Generation {
        Completion run(int[] prompt, GenerationOptions options);
    }

    private Completion reply(String user, Generation generation, GenerationOptions options) {
        Session session = generator.session();
        messages.add(ChatMessage.user(user));
        String full = template.apply(messages, true);
        if (!full.startsWith(evaluated)) {
            // the history rendered differently from what the cache holds: start over, exactly
            session.rewind(0);
            evaluated = "";
        }
        String delta = full.substring(evaluated.length());
        int[] tokens = tokenizer.encode(delta, session.position() == 0, true);
        List<String> stops = new ArrayList<>(options.stopStrings());
        stops.add(template.endOfTurn());
        int promptEnd = session.position() + tokens.length;
        Completion stats = generation.run(tokens,
                new GenerationOptions(options.maxTokens(), stops, options.printSpecial()));
        messages.add(ChatMessage.assistant(stats.text()));
        if (stats.stopReason() == StopReason.END_OF_GENERATION) {
            // the cache holds prompt + reply; the end token comes back as text in the next delta
            evaluated = full + stats.text();
        } else {
            // the cache may hold part of a stop string or lack the last token: keep only the prompt
            session.rewind(promptEnd);
            evaluated = full;
        }
        return stats;
    }
}
