package dev.kiln.model.llama;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.Session;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** A loaded Llama model: checked weights over the file's mapping, and the compute context that runs them. */
final class LlamaModel implements Model {
    private final LlamaHyperParameters hp;
    private final LlamaWeights weights;
    private final Compute compute;
    private final RopeAngles angles;
    private final LlamaForward forward;
    /** The buffers of {@link #decode} steps (one step at a time). */
    private final Activations decodeActivations;
    private RopeTable rope;

    LlamaModel(LlamaHyperParameters hp, LlamaWeights weights, Compute compute) {
        this.hp = hp;
        this.weights = weights;
        this.compute = compute;
        this.angles = new RopeAngles(hp, weights.ropeFrequencyFactors());
        this.forward = new LlamaForward(hp, weights, compute, this);
        this.decodeActivations = new Activations(hp);
    }

    @Override
    public int vocabularySize() {
        return hp.vocabularySize();
    }

    @Override
    public int contextLength() {
        return hp.contextLength();
    }

    @Override
    public Session newSession(int contextLength) {
        if (contextLength < 1) {
            throw new KilnException("context length must be at least 1, got " + contextLength);
        }
        return new LlamaSession(hp, forward, this, contextLength);
    }

    @Override
    public synchronized float[][] decode(List<? extends Session> sessions, int[] tokens) {
        if (sessions.size() != tokens.length) {
            throw new KilnException("decode: " + sessions.size() + " sessions but " + tokens.length + " tokens");
        }
        if (sessions.isEmpty()) {
            return new float[0][];
        }
        List<LlamaSession> own = new ArrayList<>(sessions.size());
        Map<Session, Boolean> seen = new IdentityHashMap<>();
        for (Session s : sessions) {
            if (!(s instanceof LlamaSession ls) || ls.model != this) {
                return Model.super.decode(sessions, tokens); // not ours to batch: one at a time
            }
            if (seen.put(s, Boolean.TRUE) != null) {
                throw new KilnException("decode: a session appears twice in one step");
            }
            own.add(ls);
        }
        List<LlamaForward.Segment> segments = new ArrayList<>(own.size());
        for (int i = 0; i < own.size(); i++) {
            LlamaSession s = own.get(i);
            s.requireRoom(1, "session " + i + ": ");
            s.requireToken(tokens[i], "(session " + i + ")");
            segments.add(new LlamaForward.Segment(s.caches, s.position(), 1, i));
        }
        int n = own.size();
        int vocab = hp.vocabularySize();
        Activations a = decodeActivations;
        forward.layers(a, tokens, 0, segments);
        outputNorm(a.x, a.normed, n);
        float[] all = new float[n * vocab];
        forward.outputHead(a.normed, all, n, true);
        LlamaForward.requireFinite(all, segments, vocab, "the output head");
        float[][] logits = new float[n][];
        for (int i = 0; i < n; i++) {
            logits[i] = Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
            own.get(i).advance();
        }
        return logits;
    }

    /** The final RMS norm over {@code rows} rows. */
    void outputNorm(float[] x, float[] out, int rows) {
        compute.rmsNorm(x, weights.outputNorm(), hp.rmsEpsilon(), out, hp.embeddingLength(), rows);
    }

    /** A RoPE table covering at least {@code positions} positions, shared by every session. */
    synchronized RopeTable rope(int positions) {
        if (rope == null || rope.positions() < positions) {
            // Grow geometrically (bounded by the trained context) so decoding does not rebuild it per token.
            int grown = rope == null ? 256 : Math.min(2 * rope.positions(), hp.contextLength());
            int size = Math.max(positions, grown);
            rope = angles.table(size);
        }
        return rope;
    }
}
