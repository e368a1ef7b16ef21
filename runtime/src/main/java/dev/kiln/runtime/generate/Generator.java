package dev.kiln.runtime.generate;

import dev.kiln.api.KilnException;
import dev.kiln.api.model.Session;
import dev.kiln.api.tokenizer.Tokenizer;
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

        Continuation continuation = new Continuation(tokenizer, sampler, options);
        int[] one = new int[1];
        while (true) {
            emit(continuation.step(logits, session.position() < session.contextLength()), out);
            if (continuation.ended()) {
                break;
            }
            one[0] = continuation.next();
            logits = session.forward(one, 0, 1, false);
        }
        emit(continuation.finish(), out);
        long t2 = System.nanoTime();
        return continuation.completion(prompt.length, t1 - t0, t2 - t1);
    }

    private static void emit(byte[] bytes, Sink out) {
        if (bytes.length == 0) {
            return;
        }
        try {
            out.accept(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
