package dev.kiln.runtime.generate;

import dev.kiln.api.KilnException;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Chooses the next token from a row of logits, applying llama.cpp's default sampler chain in
 * its order: repetition penalty, top-k, top-p, min-p, temperature, then a draw from the
 * softmax (or the arg-max when the temperature is 0). The draw uses a {@link SplittableRandom}
 * seeded from the settings, so the same seed and logits give the same tokens on any backend.
 * Not thread-safe: one sampler per generated sequence.
 */
public final class Sampler {
    private final SamplingSettings settings;
    private final SplittableRandom random;
    private final int[] recent;
    private int recentCount;
    private int recentNext;
    private float[] work = new float[0];
    private long[] order = new long[0];

    public Sampler(SamplingSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.random = new SplittableRandom(settings.seed());
        this.recent = new int[settings.penaltyWindow()];
    }

    public SamplingSettings settings() {
        return settings;
    }

    /** Records a token of the sequence (prompt or generated) for the repetition penalty. */
    public void accept(int token) {
        if (recent.length == 0) {
            return;
        }
        recent[recentNext] = token;
        recentNext = (recentNext + 1) % recent.length;
        recentCount = Math.min(recentCount + 1, recent.length);
    }

    /** Records every token of {@code tokens}. */
    public void acceptAll(int[] tokens) {
        for (int t : tokens) {
            accept(t);
        }
    }

    /** Chooses a token id from {@code logits[0 .. logits.length)}; {@code logits} is not modified. */
    public int sample(float[] logits) {
        return sample(logits, 0, logits.length);
    }

    /** Chooses a token id from the {@code n} logits at {@code logits[offset ..]}, which are not modified. */
    public int sample(float[] logits, int offset, int n) {
        if (n <= 0) {
            throw new KilnException("cannot sample from an empty vocabulary");
        }
        if (work.length < n) {
            work = new float[n];
        }
        System.arraycopy(logits, offset, work, 0, n);
        penalize(work, n);
        if (settings.isGreedy()) {
            return argMax(work, n);
        }
        int kept = topK(work, n);
        kept = topP(kept);
        kept = minP(kept);
        return draw(kept);
    }

    /**
     * llama.cpp's penalties sampler: each distinct recent token once, its logit divided (or, if
     * not positive, multiplied) by the repetition penalty, then lowered by the frequency penalty
     * times its count and by the presence penalty.
     */
    private void penalize(float[] x, int n) {
        float r = settings.repeatPenalty();
        float frequency = settings.frequencyPenalty();
        float presence = settings.presencePenalty();
        if ((r == 1f && frequency == 0f && presence == 0f) || recentCount == 0) {
            return;
        }
        int[] seen = Arrays.copyOf(recent, recentCount);
        Arrays.sort(seen);
        for (int i = 0; i < seen.length; ) {
            int t = seen[i];
            int count = 1;
            while (i + count < seen.length && seen[i + count] == t) {
                count++;
            }
            i += count;
            if (t < 0 || t >= n) {
                continue;
            }
            x[t] = x[t] <= 0 ? x[t] * r : x[t] / r;
            x[t] -= count * frequency + presence;
        }
    }

    private static int argMax(float[] x, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Leaves the candidates in {@code order[0 .. kept)}, most likely first, each packed as
     * (order-preserving logit bits, token id), and returns how many there are.
     */
    private int topK(float[] x, int n) {
        int k = settings.topK() <= 0 ? n : Math.min(settings.topK(), n);
        if (order.length < n) {
            order = new long[n];
        }
        if (k == n) {
            for (int i = 0; i < n; i++) {
                order[i] = pack(x[i], i);
            }
            Arrays.sort(order, 0, n);
            reverse(order, n);
            return n;
        }
        // a min-heap of the k best so far: O(n log k) instead of sorting the whole vocabulary
        long[] heap = order;
        int size = 0;
        for (int i = 0; i < n; i++) {
            long key = pack(x[i], i);
            if (size < k) {
                heap[size] = key;
                siftUp(heap, size++);
            } else if (key > heap[0]) {
                heap[0] = key;
                siftDown(heap, 0, size);
            }
        }
        Arrays.sort(heap, 0, k);
        reverse(heap, k);
        return k;
    }

    private int topP(int kept) {
        float p = settings.topP();
        if (p >= 1f || kept <= 1) {
            return kept;
        }
        double[] probs = softmax(kept, 1f);
        double cumulative = 0;
        for (int i = 0; i < kept; i++) {
            cumulative += probs[i];
            if (cumulative >= p) {
                return i + 1;
            }
        }
        return kept;
    }

    private int minP(int kept) {
        float p = settings.minP();
        if (p <= 0f || kept <= 1) {
            return kept;
        }
        float threshold = logitOf(order[0]) + (float) Math.log(p);
        for (int i = 1; i < kept; i++) {
            if (logitOf(order[i]) < threshold) {
                return i;
            }
        }
        return kept;
    }

    private int draw(int kept) {
        double[] weights = softmax(kept, settings.temperature());
        double u = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < kept; i++) {
            cumulative += weights[i];
            if (u < cumulative) {
                return idOf(order[i]);
            }
        }
        return idOf(order[kept - 1]);
    }

    /** Probabilities of the first {@code kept} candidates at {@code temperature}, in candidate order. */
    private double[] softmax(int kept, float temperature) {
        double[] w = new double[kept];
        float max = logitOf(order[0]) / temperature;
        double sum = 0;
        for (int i = 0; i < kept; i++) {
            w[i] = Math.exp(logitOf(order[i]) / temperature - max);
            sum += w[i];
        }
        for (int i = 0; i < kept; i++) {
            w[i] /= sum;
        }
        return w;
    }

    /** Packs a logit and id into a long whose signed order is the logit's order (then the id's). */
    static long pack(float logit, int id) {
        if (Float.isNaN(logit)) {
            logit = Float.NEGATIVE_INFINITY;
        }
        int bits = Float.floatToIntBits(logit == 0f ? 0f : logit);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) sortable << 32) | (~id & 0xffffffffL);
    }

    static float logitOf(long packed) {
        int sortable = (int) (packed >> 32);
        int bits = sortable ^ ((sortable >> 31) & 0x7fffffff);
        return Float.intBitsToFloat(bits);
    }

    static int idOf(long packed) {
        return ~(int) packed;
    }

    private static void reverse(long[] a, int n) {
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void siftUp(long[] h, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (h[parent] <= h[i]) {
                return;
            }
            long t = h[parent];
            h[parent] = h[i];
            h[i] = t;
            i = parent;
        }
    }

    private static void siftDown(long[] h, int i, int size) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int smallest = l + 1 < size && h[l + 1] < h[l] ? l + 1 : l;
            if (h[i] <= h[smallest]) {
                return;
            }
            long t = h[i];
            h[i] = h[smallest];
            h[smallest] = t;
            i = smallest;
        }
    }
}
