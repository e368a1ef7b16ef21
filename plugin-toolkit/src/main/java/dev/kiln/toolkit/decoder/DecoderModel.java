package dev.kiln.toolkit.decoder;

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

/**
 * A loaded decoder-only model: checked weights over the file's mapping, what its architecture
 * computes ({@link DecoderConfig}), and the compute context that runs them. An architecture
 * plugin reads its hyper-parameters, binds its weights and returns one of these.
 */
public final class DecoderModel implements Model {
    private final DecoderConfig config;
    private final HyperParameters hp;
    private final DecoderWeights weights;
    private final Compute compute;
    private final DecoderForward forward;
    /**
     * One set of angles per factor variant (LongRoPE's short and long factors; one variant without
     * them) and distinct RoPE frequencies (Gemma 3's sliding layers have their own).
     */
    private final RopeAngles[][] angles;
    private final int[] ropeIndex;
    private final RopeTable[][] tables;
    /** The buffers of {@link #decode} steps (one step at a time). */
    private final Activations decodeActivations;

    public DecoderModel(DecoderConfig config, DecoderWeights weights, Compute compute) {
        this.config = config;
        this.hp = config.hp();
        this.weights = weights;
        this.compute = compute;
        List<RopeFrequencies> distinct = new ArrayList<>();
        this.ropeIndex = new int[hp.blockCount()];
        for (int l = 0; l < ropeIndex.length; l++) {
            RopeFrequencies f = config.rope(l);
            if (!distinct.contains(f)) {
                distinct.add(f);
            }
            ropeIndex[l] = distinct.indexOf(f);
        }
        // as llama.cpp's get_rope_factors: rope_freqs wins; else LongRoPE's short (variant 0) and long (1) factors
        float[][] factors = weights.ropeFrequencyFactors() != null || weights.ropeFactorsLong() == null
                ? new float[][] {weights.ropeFrequencyFactors()}
                : new float[][] {weights.ropeFactorsShort(), weights.ropeFactorsLong()};
        this.angles = new RopeAngles[factors.length][distinct.size()];
        for (int v = 0; v < factors.length; v++) {
            for (int i = 0; i < distinct.size(); i++) {
                angles[v][i] = new RopeAngles(distinct.get(i), hp.ropeDimensions(), factors[v], hp.ropeAttentionFactor());
            }
        }
        this.tables = new RopeTable[factors.length][distinct.size()];
        this.forward = new DecoderForward(config, weights, compute, this);
        this.decodeActivations = new Activations(hp);
    }

    /** What this model computes. */
    public DecoderConfig config() {
        return config;
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
        return new DecoderSession(hp, forward, this, contextLength);
    }

    @Override
    public synchronized float[][] decode(List<? extends Session> sessions, int[] tokens) {
        if (sessions.size() != tokens.length) {
            throw new KilnException("decode: " + sessions.size() + " sessions but " + tokens.length + " tokens");
        }
        if (sessions.isEmpty()) {
            return new float[0][];
        }
        List<DecoderSession> own = new ArrayList<>(sessions.size());
        Map<Session, Boolean> seen = new IdentityHashMap<>();
        for (Session s : sessions) {
            if (!(s instanceof DecoderSession ds) || ds.model != this) {
                return Model.super.decode(sessions, tokens); // not ours to batch: one at a time
            }
            if (seen.put(s, Boolean.TRUE) != null) {
                throw new KilnException("decode: a session appears twice in one step");
            }
            own.add(ds);
        }
        List<DecoderForward.Segment> segments = new ArrayList<>(own.size());
        for (int i = 0; i < own.size(); i++) {
            DecoderSession s = own.get(i);
            s.requireRoom(1, "session " + i + ": ");
            s.requireToken(tokens[i], "(session " + i + ")");
            segments.add(new DecoderForward.Segment(s.caches, s.position(), 1, i, s.ropeVariant));
        }
        int n = own.size();
        int vocab = hp.vocabularySize();
        Activations a = decodeActivations;
        forward.layers(a, tokens, 0, segments);
        outputNorm(a.x, a.normed, n);
        float[] all = new float[n * vocab];
        forward.outputHead(a.normed, all, n, true);
        DecoderForward.requireFinite(all, segments, vocab, "the output head");
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

    /** Which of {@link #ropeTables}'s tables layer {@code layer} rotates with. */
    int ropeIndex(int layer) {
        return ropeIndex[layer];
    }

    /** The factor variant a session of {@code contextLength} positions rotates with: LongRoPE's long (1) beyond the original context. */
    int ropeVariant(int contextLength) {
        return angles.length > 1 && contextLength > hp.ropeOriginalContext() ? 1 : 0;
    }

    /** RoPE tables of factor variant {@code variant} covering at least {@code positions} positions, shared by every session. */
    synchronized RopeTable[] ropeTables(int positions, int variant) {
        RopeTable[] own = tables[variant];
        for (int i = 0; i < own.length; i++) {
            RopeTable t = own[i];
            if (t == null || t.positions() < positions) {
                // Grow geometrically (bounded by the trained context) so decoding does not rebuild it per token.
                int grown = t == null ? 256 : Math.min(2 * t.positions(), hp.contextLength());
                own[i] = angles[variant][i].table(Math.max(positions, grown));
            }
        }
        return own.clone();
    }
}
