package dev.kiln.api.model;

/** A loaded model. Sessions are independent; each holds its own KV cache. */
public interface Model {

    /** Number of logits per position. */
    int vocabularySize();

    /** The context length the model was trained for. */
    int contextLength();

    /** A new session whose KV cache holds up to {@code contextLength} positions. */
    Session newSession(int contextLength);
}
