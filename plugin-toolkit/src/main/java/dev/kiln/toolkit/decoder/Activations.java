package dev.kiln.toolkit.decoder;

/**
 * The activation buffers of one forward step, row after row, grown to the largest step seen.
 * Reused from step to step: a new set per token was garbage the young generation had to clear.
 */
final class Activations {
    private final HyperParameters hp;
    private int capacity;

    float[] x;
    float[] normed;
    float[] q;
    float[] k;
    float[] v;
    float[] attended;
    float[] projected;
    float[] gate;
    float[] up;

    /** One row's q, k, v and attention output when rows of several sessions share a step. */
    float[] rowQ;
    float[] rowK;
    float[] rowV;
    float[] rowAttended;

    Activations(HyperParameters hp) {
        this.hp = hp;
    }

    /** Makes room for {@code n} rows. */
    void reserve(int n) {
        if (n <= capacity) {
            return;
        }
        capacity = n;
        int dim = hp.embeddingLength();
        x = new float[n * dim];
        normed = new float[n * dim];
        projected = new float[n * dim];
        q = new float[n * hp.queryLength()];
        attended = new float[n * hp.queryLength()];
        k = new float[n * hp.kvLength()];
        v = new float[n * hp.kvLength()];
        gate = new float[n * hp.feedForwardLength()];
        up = new float[n * hp.feedForwardLength()];
        if (rowQ == null) {
            rowQ = new float[hp.queryLength()];
            rowAttended = new float[hp.queryLength()];
            rowK = new float[hp.kvLength()];
            rowV = new float[hp.kvLength()];
        }
    }
}
