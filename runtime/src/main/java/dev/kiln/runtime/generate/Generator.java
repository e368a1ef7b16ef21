package dev.kiln.runtime.generate;

import dev.kiln.api.KilnException;
import dev.kiln.api.model.Session;
import dev.kiln.api.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Generates text on one {@link Session}: the prompt goes through the model as one batch, then
 * tokens are sampled (by the {@link Sampler} of each call) and fed back one at a time. Output is streamed as it is produced, through
 * a {@link StopStrings} watcher and a {@link Utf8Stream} so a stop string or half a character is
 * never printed. The session keeps its KV cache between calls, so a conversation can continue.
 */
public final class Generator {
    private final Session session;
    private final Tokenizer tokenizer;

    /** Where generated text goes: complete UTF-8 sequences, never half a character. */
    @FunctionalInterface
    private interface Sink {
        void accept(byte[] utf8) throws IOException;
    }

    public Generator(Session session, Tokenizer tokenizer) {
        this.session = Objects.requireNonNull(session, "session is null");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer is null");
    }

    public Session session() {
        return session;
    }

    /**
     * Evaluates {@code prompt} after what the session already holds, then generates with
     * {@code sampler}. The continuation (only) is written to {@code out} as it is produced; a
     * failed write ends the generation at once with an {@link UncheckedIOException}.
     *
     * @throws ContextLengthException if the prompt does not fit the remaining context
     */
    public Completion generate(int[] prompt, Sampler sampler, GenerationOptions options, OutputStream out) {
        Objects.requireNonNull(out, "out is null");
        return run(prompt, sampler, options, bytes -> {
            out.write(bytes);
            out.flush();
        });
    }

    /**
     * As {@link #generate(int[], Sampler, GenerationOptions, OutputStream)}, handing the text to
     * {@code onText} in pieces of whole characters. An exception {@code onText} throws ends the
     * generation and reaches the caller.
     */
    public Completion generate(int[] prompt, Sampler sampler, GenerationOptions options, Consumer<String> onText) {
        Objects.requireNonNull(onText, "onText is null");
        return run(prompt, sampler, options, bytes -> onText.accept(new String(bytes, StandardCharsets.UTF_8)));
    }

    private Completion run(int[] prompt, Sampler sampler, GenerationOptions options, Sink out) {
        Objects.requireNonNull(sampler, "sampler is null");
        Objects.requireNonNull(options, "options is null");
        if (prompt.length == 0) {
            throw new KilnException("the prompt is empty (no tokens to start from)");
        }
        int room = session.contextLength() - session.position();
        if (prompt.length > room) {
            throw new ContextLengthException("the prompt is " + prompt.length + " tokens but the context has room for "
                    + room + " (context length " + session.contextLength() + ", " + session.position()
                    + " already used); shorten the prompt or raise the context size");
        }
        sampler.acceptAll(prompt);
        long t0 = System.nanoTime();
        float[] logits = session.forward(prompt, 0, prompt.length, false);
        long t1 = System.nanoTime();

        StopStrings stops = new StopStrings(options.stopStrings());
        Utf8Stream utf8 = new Utf8Stream();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int generated = 0;
        int pending = -1;
        StopReason reason = StopReason.TOKEN_LIMIT;
        int[] one = new int[1];
        while (options.maxTokens() < 0 || generated < options.maxTokens()) {
            int id = sampler.sample(logits);
            sampler.accept(id);
            generated++;
            pending = id;
            if (tokenizer.isEndOfGeneration(id)) {
                reason = StopReason.END_OF_GENERATION;
                break;
            }
            emit(utf8.accept(stops.accept(pieceOf(id, options.printSpecial()))), out, printed);
            if (stops.stopped()) {
                reason = StopReason.STOP_STRING;
                break;
            }
            if (options.maxTokens() >= 0 && generated >= options.maxTokens()) {
                break; // no need to evaluate a token nothing will follow
            }
            if (session.position() >= session.contextLength()) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            one[0] = id;
            logits = session.forward(one, 0, 1, false);
            pending = -1;
        }
        emit(utf8.accept(stops.finish()), out, printed);
        emit(utf8.finish(), out, printed);
        long t2 = System.nanoTime();
        return new Completion(prompt.length, t1 - t0, generated, t2 - t1, reason,
                printed.toString(StandardCharsets.UTF_8), pending);
    }

    /** The bytes token {@code id} prints: its piece, or with {@code special} a control token's text. */
    private byte[] pieceOf(int id, boolean special) {
        byte[] piece = tokenizer.piece(id);
        if (special && piece.length == 0) {
            return tokenizer.tokenText(id).getBytes(StandardCharsets.UTF_8);
        }
        return piece;
    }

    private static void emit(byte[] bytes, Sink out, ByteArrayOutputStream printed) {
        if (bytes.length == 0) {
            return;
        }
        printed.writeBytes(bytes);
        try {
            out.accept(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
