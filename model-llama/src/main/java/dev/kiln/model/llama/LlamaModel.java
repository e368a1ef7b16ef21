package dev.kiln.model.llama;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.Session;

/** A loaded Llama model: checked weights over the file's mapping, and the compute context that runs them. */
final class LlamaModel implements Model {
    private final LlamaHyperParameters hp;
    private final LlamaWeights weights;
    private final Compute compute;
    private final RopeAngles angles;
    private RopeTable rope;

    LlamaModel(LlamaHyperParameters hp, LlamaWeights weights, Compute compute) {
        this.hp = hp;
        this.weights = weights;
        this.compute = compute;
        this.angles = new RopeAngles(hp, weights.ropeFrequencyFactors());
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
        return new LlamaSession(hp, weights, compute, this, contextLength);
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
