package dev.kiln.toolkit.decoder;

import dev.kiln.api.KilnException;
import dev.kiln.api.model.Session;
import java.util.List;

/**
 * One sequence of a decoder model and its KV cache. A prompt goes through every matrix product as one batch
 * (split into micro-batches of {@value #MAX_BATCH} tokens to bound memory); decoding is a batch
 * of one, or one row of a step several sessions share ({@link DecoderModel#decode}). The residual
 * stream is checked for NaN/Inf after every attention and feed-forward block, so a failure names
 * the layer where it first appeared.
 */
final class DecoderSession implements Session {
    static final int MAX_BATCH = 256;
    /** Rows per output-head product when every position's logits are wanted. */
    private static final int LOGITS_BATCH = 32;

    private final HyperParameters hp;
    private final DecoderForward forward;
    final DecoderModel model;
    private final int contextLength;
    final KvCache[] caches;
    /** Which RoPE factors this session rotates with ({@link DecoderModel#ropeVariant}). */
    final int ropeVariant;
    private final Activations a;
    private int position;
    private float[] logits;

    DecoderSession(HyperParameters hp, DecoderForward forward, DecoderModel model, int contextLength) {
        this.hp = hp;
        this.forward = forward;
        this.model = model;
        this.contextLength = contextLength;
        this.caches = new KvCache[hp.blockCount()];
        for (int l = 0; l < caches.length; l++) {
            caches[l] = new KvCache(hp.kvLength(), contextLength);
        }
        this.a = new Activations(hp);
        this.ropeVariant = model.ropeVariant(contextLength);
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public void rewind(int newPosition) {
        if (newPosition < 0 || newPosition > position) {
            throw new KilnException("cannot rewind to position " + newPosition + ": the session holds 0.." + position);
        }
        position = newPosition;
    }

    /** Moves past a token {@link DecoderModel#decode} evaluated for this session. */
    void advance() {
        position++;
    }

    @Override
    public float[] forward(int[] tokens, int offset, int count, boolean allLogits) {
        if (tokens == null || offset < 0 || count < 1 || (long) offset + count > tokens.length) {
            throw new KilnException("forward: " + count + " tokens at offset " + offset + " of an array of "
                    + (tokens == null ? "null" : tokens.length));
        }
        requireRoom(count, "");
        for (int i = offset; i < offset + count; i++) {
            requireToken(tokens[i], "(at index " + i + ")");
        }
        int vocab = hp.vocabularySize();
        float[] result = new float[(allLogits ? count : 1) * vocab];
        int start = position;
        try {
            for (int done = 0; done < count; done += MAX_BATCH) {
                int n = Math.min(MAX_BATCH, count - done);
                forward.layers(a, tokens, offset + done, List.of(new DecoderForward.Segment(caches, position, n, 0, ropeVariant)));
                if (allLogits) {
                    allLogits(n, result, done * vocab);
                } else if (done + n == count) {
                    lastLogits(n, result);
                }
                position += n;
            }
        } catch (RuntimeException | Error e) {
            position = start; // the cache past `start` is unusable; the caller may rewind or retry
            throw e;
        }
        return result;
    }

    /** Fails unless {@code count} more positions fit the context. */
    void requireRoom(int count, String who) {
        if ((long) position + count > contextLength) {
            throw new KilnException(who + "a batch of " + count + " token" + (count == 1 ? "" : "s") + " at position "
                    + position + " would pass the context length of " + contextLength + " ("
                    + (contextLength - position) + " positions left)");
        }
    }

    /** Fails unless {@code token} is in the vocabulary. */
    void requireToken(int token, String where) {
        int vocab = hp.vocabularySize();
        if (token < 0 || token >= vocab) {
            throw new KilnException("token id " + token + " " + where + " is outside the vocabulary 0.." + (vocab - 1));
        }
    }

    /** Logits of every one of the {@code n} rows just run, a few rows at a time (rows × vocabulary can be large). */
    private void allLogits(int n, float[] out, int outOffset) {
        int dim = hp.embeddingLength();
        int vocab = hp.vocabularySize();
        model.outputNorm(a.x, a.normed, n);
        if (logits == null) {
            logits = new float[LOGITS_BATCH * vocab];
        }
        for (int r0 = 0; r0 < n; r0 += LOGITS_BATCH) {
            int count = Math.min(LOGITS_BATCH, n - r0);
            System.arraycopy(a.normed, r0 * dim, a.projected, 0, count * dim);
            forward.outputHead(a.projected, logits, count, false);
            DecoderForward.requireFinite(logits, List.of(new DecoderForward.Segment(caches, position + r0, count, 0, ropeVariant)),
                    vocab, "the output head");
            System.arraycopy(logits, 0, out, outOffset + r0 * vocab, count * vocab);
        }
    }

    /** Logits of the last of the {@code n} tokens just run. */
    private void lastLogits(int n, float[] out) {
        int dim = hp.embeddingLength();
        System.arraycopy(a.x, (n - 1) * dim, a.projected, 0, dim);
        model.outputNorm(a.projected, a.normed, 1);
        forward.outputHead(a.normed, out, 1, false);
        DecoderForward.requireFinite(out, List.of(new DecoderForward.Segment(caches, position + n - 1, 1, 0, ropeVariant)),
                hp.vocabularySize(), "the output head");
    }
}
