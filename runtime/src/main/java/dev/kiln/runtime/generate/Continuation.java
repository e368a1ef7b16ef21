package dev.kiln.runtime.generate;

import dev.kiln.api.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What happens after a prompt's logits, token by token, whoever evaluates the tokens: sample the
 * next one, turn it into text (never a stop string or half a character), decide whether the
 * generation ends and why. {@link Generator} drives one with a session's forward passes; the
 * batch scheduler drives many with one batched pass per step. Not thread-safe.
 */
public final class Continuation {
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private final GenerationOptions options;
    private final StopStrings stops;
    private final Utf8Stream utf8 = new Utf8Stream();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private int generated;
    private int pending = -1;
    private StopReason reason;

    /** The prompt's tokens must already have gone to {@code sampler} ({@link Sampler#acceptAll}). */
    public Continuation(Tokenizer tokenizer, Sampler sampler, GenerationOptions options) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer is null");
        this.sampler = Objects.requireNonNull(sampler, "sampler is null");
        this.options = Objects.requireNonNull(options, "options is null");
        this.stops = new StopStrings(options.stopStrings());
    }

    /**
     * Takes the logits of the last evaluated token and samples the next one; the bytes it prints
     * (possibly none) are returned. Afterwards either {@link #ended()} or {@link #next()} is the
     * token to evaluate before calling again.
     *
     * @param room whether the context can take one more token
     */
    public byte[] step(float[] logits, boolean room) {
        if (reason != null) {
            throw new IllegalStateException("the generation has ended (" + reason + ")");
        }
        if (options.maxTokens() >= 0 && generated >= options.maxTokens()) {
            reason = StopReason.TOKEN_LIMIT;
            return new byte[0];
        }
        int id = sampler.sample(logits);
        sampler.accept(id);
        generated++;
        pending = id;
        if (tokenizer.isEndOfGeneration(id)) {
            reason = StopReason.END_OF_GENERATION;
            return new byte[0];
        }
        byte[] out = utf8.accept(stops.accept(pieceOf(id)));
        printed.writeBytes(out);
        if (stops.stopped()) {
            reason = StopReason.STOP_STRING;
        } else if (options.maxTokens() >= 0 && generated >= options.maxTokens()) {
            reason = StopReason.TOKEN_LIMIT; // no need to evaluate a token nothing will follow
        } else if (!room) {
            reason = StopReason.CONTEXT_FULL;
        }
        return out;
    }

    /** Whether the generation has ended. */
    public boolean ended() {
        return reason != null;
    }

    /** The token to evaluate next; the caller evaluates it before the next {@link #step}. */
    public int next() {
        if (reason != null) {
            throw new IllegalStateException("the generation has ended (" + reason + ")");
        }
        int id = pending;
        pending = -1;
        return id;
    }

    /** Ends the generation early (a cancelled request, a server shutting down). */
    public void interrupt() {
        if (reason == null) {
            reason = StopReason.INTERRUPTED;
        }
    }

    /** The bytes held back (part of a possible stop string, an unfinished character), released at the end. */
    public byte[] finish() {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        rest.writeBytes(utf8.accept(stops.finish()));
        rest.writeBytes(utf8.finish());
        byte[] out = rest.toByteArray();
        printed.writeBytes(out);
        return out;
    }

    /** Tokens sampled so far (an end token included). */
    public int generated() {
        return generated;
    }

    /** Why it ended, or null while it runs. */
    public StopReason reason() {
        return reason;
    }

    /** The completion, after {@link #finish()}. */
    public Completion completion(int promptTokens, long promptNanos, long generationNanos) {
        return new Completion(promptTokens, promptNanos, generated, generationNanos,
                reason == null ? StopReason.INTERRUPTED : reason, printed.toString(StandardCharsets.UTF_8), pending);
    }

    /** The bytes token {@code id} prints: its piece, or with printSpecial a control token's text. */
    private byte[] pieceOf(int id) {
        byte[] piece = tokenizer.piece(id);
        if (options.printSpecial() && piece.length == 0) {
            return tokenizer.tokenText(id).getBytes(StandardCharsets.UTF_8);
        }
        return piece;
    }
}
