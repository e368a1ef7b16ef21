package dev.kiln.runtime;

import dev.kiln.api.model.Session;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.Conversation;
import dev.kiln.runtime.generate.GenerateParams;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.Sampler;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One sequence on a {@link KilnModel}, with its own KV cache kept across calls: text given to
 * {@link #generate} continues what the session holds, and {@link #chat} carries on a
 * conversation whose earlier turns stay in the cache (only new text is evaluated). Also a
 * {@link Session} for tools that drive the model token by token.
 *
 * <p>A session is for one thread at a time; many sessions of one model may run at once.
 */
public final class KilnSession implements Session {
    private final KilnModel owner;
    private final Session raw;
    private final Generator generator;
    private Conversation conversation;
    /** The last token a generation sampled but did not evaluate; it goes first into the next call. */
    private int pending = -1;

    KilnSession(KilnModel owner, Session raw) {
        this.owner = owner;
        this.raw = raw;
        this.generator = new Generator(this, owner.tokenizer());
    }

    /** The model this session runs on. */
    public KilnModel model() {
        return owner;
    }

    Session raw() {
        return raw;
    }

    @Override
    public int position() {
        return raw.position();
    }

    @Override
    public int contextLength() {
        return raw.contextLength();
    }

    @Override
    public float[] forward(int[] tokens, int offset, int count, boolean allLogits) {
        return owner.locked(() -> raw.forward(tokens, offset, count, allLogits));
    }

    @Override
    public void rewind(int position) {
        owner.locked(() -> {
            raw.rewind(position);
            return null;
        });
        pending = -1;
    }

    /**
     * Evaluates {@code text} after what the session holds (with BOS if the session is empty;
     * special-token text parsed) and generates its continuation into {@code onText}.
     */
    public Completion generate(String text, GenerateParams params, Consumer<String> onText) {
        Objects.requireNonNull(params, "params is null");
        int[] ids = owner.tokenize(text, position() == 0, true);
        if (pending >= 0) {
            int[] withPending = new int[ids.length + 1];
            withPending[0] = pending;
            System.arraycopy(ids, 0, withPending, 1, ids.length);
            ids = withPending;
        }
        conversation = null; // the cache no longer holds a conversation's rendering
        Completion c = generator.generate(ids, new Sampler(params.sampling()), params.options(), onText);
        pending = c.pendingToken();
        return c;
    }

    /**
     * Adds a user turn to this session's conversation and generates the assistant's reply, in
     * the model's {@link KilnModel#chatTemplate() chat template}. The first call may open with a
     * system message: {@link #chat(String, String, GenerateParams, Consumer)}.
     */
    public Completion chat(String user, GenerateParams params, Consumer<String> onText) {
        return chat(null, user, params, onText);
    }

    /** {@link #chat(String, GenerateParams, Consumer)} opening a new conversation with {@code system} (may be null). */
    public Completion chat(String system, String user, GenerateParams params, Consumer<String> onText) {
        Objects.requireNonNull(params, "params is null");
        if (conversation == null || system != null) {
            if (position() > 0) {
                rewind(0);
            }
            conversation = new Conversation(generator, owner.tokenizer(), owner.chatTemplate(), system);
        }
        pending = -1;
        return conversation.reply(user, new Sampler(params.sampling()), params.options(), onText);
    }

    /** The conversation so far (empty when the session has not chatted). */
    public List<ChatMessage> messages() {
        return conversation == null ? List.of() : conversation.messages();
    }

    /** Empties the session: KV cache and conversation. */
    public void reset() {
        rewind(0);
        conversation = null;
    }
}
