package dev.kiln.api.model;

import dev.kiln.api.KilnException;
import java.util.List;

/** A loaded model. Sessions are independent; each holds its own KV cache. */
public interface Model {

    /** Number of logits per position. */
    int vocabularySize();

    /** The context length the model was trained for. */
    int contextLength();

    /** A new session whose KV cache holds up to {@code contextLength} positions. */
    Session newSession(int contextLength);

    /**
     * Evaluates one token for each of several sessions of this model in one step (continuous
     * batching: one pass over the weights serves every sequence). {@code tokens[i]} goes to
     * {@code sessions.get(i)} at its current position, and each session advances by one. The
     * logits of each are exactly those {@code session.forward(token)} alone would give: batching
     * never changes a result. The default evaluates the sessions one after another.
     *
     * @return {@code logits[i]}: the {@code vocabularySize} logits of session {@code i}
     * @throws KilnException as {@link Session#forward} would, naming the session's index;
     *         then no session has advanced
     */
    default float[][] decode(List<? extends Session> sessions, int[] tokens) {
        if (sessions.size() != tokens.length) {
            throw new KilnException("decode: " + sessions.size() + " sessions but " + tokens.length + " tokens");
        }
        float[][] logits = new float[tokens.length][];
        int[] start = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            start[i] = sessions.get(i).position();
        }
        try {
            for (int i = 0; i < tokens.length; i++) {
                logits[i] = sessions.get(i).forward(tokens, i, 1, false);
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < tokens.length; i++) {
                if (sessions.get(i).position() > start[i]) {
                    sessions.get(i).rewind(start[i]);
                }
            }
            throw e;
        }
        return logits;
    }
}
