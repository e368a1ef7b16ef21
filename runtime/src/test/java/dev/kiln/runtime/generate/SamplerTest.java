package dev.kiln.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import org.junit.jupiter.api.Test;

/** Sampler behaviour on synthetic logits; expected frequencies are computed from the softmax by hand. */
class SamplerTest {
    private static final int DRAWS = 40_000;

    /** Everything off except the temperature: a plain draw from softmax(logits / t). */
    private static SamplingSettings plain(float t, long seed) {
        return new SamplingSettings(t, 0, 1f, 0f, 1f, 64, seed);
    }

    private static float[] logProbs(double... p) {
        float[] l = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            l[i] = (float) Math.log(p[i]);
        }
        return l;
    }

    private static double[] frequencies(Sampler s, float[] logits) {
        double[] f = new double[logits.length];
        for (int i = 0; i < DRAWS; i++) {
            f[s.sample(logits)] += 1.0 / DRAWS;
        }
        return f;
    }

    private static void assertClose(double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            // 40k draws: sd of a frequency is at most 0.0025; allow 4 sd
            assertEquals(expected[i], actual[i], 0.01, "frequency of token " + i);
        }
    }

    @Test
    void greedyPicksTheLargestLogitAndTheLowestIdOnTies() {
        Sampler s = new Sampler(SamplingSettings.greedy());
        assertEquals(2, s.sample(new float[] {0.1f, -3f, 7f, 6.9f}));
        assertEquals(1, s.sample(new float[] {0f, 5f, 5f, 5f}));
    }

    @Test
    void samplingDoesNotModifyTheLogits() {
        float[] logits = {1f, 2f, 3f};
        Sampler s = new Sampler(SamplingSettings.defaults(1).withRepeatPenalty(1.5f, 8));
        s.accept(2);
        s.sample(logits);
        assertArrayEquals(new float[] {1f, 2f, 3f}, logits);
    }

    @Test
    void plainDrawFollowsTheSoftmax() {
        Sampler s = new Sampler(plain(1f, 42));
        assertClose(new double[] {0.5, 0.3, 0.2}, frequencies(s, logProbs(0.5, 0.3, 0.2)));
    }

    @Test
    void temperatureSharpensAndFlattens() {
        float[] logits = logProbs(0.5, 0.3, 0.2);
        // p^(1/t) renormalised: t = 0.5 squares the probabilities, t = 2 takes their square roots
        double z2 = 0.25 + 0.09 + 0.04;
        assertClose(new double[] {0.25 / z2, 0.09 / z2, 0.04 / z2}, frequencies(new Sampler(plain(0.5f, 7)), logits));
        double zh = Math.sqrt(0.5) + Math.sqrt(0.3) + Math.sqrt(0.2);
        assertClose(new double[] {Math.sqrt(0.5) / zh, Math.sqrt(0.3) / zh, Math.sqrt(0.2) / zh},
                frequencies(new Sampler(plain(2f, 7)), logits));
    }

    @Test
    void topKKeepsTheKMostLikely() {
        Sampler s = new Sampler(plain(1f, 3).withTopK(2));
        // 0.4 and 0.3 survive (tokens 3 and 1), renormalised to 4/7 and 3/7
        assertClose(new double[] {0, 3 / 7.0, 0, 4 / 7.0}, frequencies(s, logProbs(0.2, 0.3, 0.1, 0.4)));
    }

    @Test
    void topKOnALargeVocabularyAgreesWithSorting() {
        float[] logits = new float[5000];
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian();
        }
        Sampler s = new Sampler(new SamplingSettings(1f, 3, 1f, 0f, 1f, 0, 9));
        java.util.Set<Integer> drawn = new java.util.TreeSet<>();
        for (int i = 0; i < 2000; i++) {
            drawn.add(s.sample(logits));
        }
        Integer[] ids = new Integer[logits.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        java.util.Arrays.sort(ids, (a, b) -> Float.compare(logits[b], logits[a]));
        assertEquals(new java.util.TreeSet<>(java.util.List.of(ids[0], ids[1], ids[2])), drawn);
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // sorted probabilities 0.5, 0.3, 0.15, 0.05: cumulative 0.5, 0.8 -> p = 0.75 keeps two tokens
        Sampler s = new Sampler(plain(1f, 11).withTopP(0.75f));
        assertClose(new double[] {0.625, 0.375, 0, 0}, frequencies(s, logProbs(0.5, 0.3, 0.15, 0.05)));
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTop() {
        // threshold 0.35 * 0.5 = 0.175: 0.5 and 0.3 stay, 0.15 and 0.05 go
        Sampler s = new Sampler(plain(1f, 13).withMinP(0.35f));
        assertClose(new double[] {0.625, 0.375, 0, 0}, frequencies(s, logProbs(0.5, 0.3, 0.15, 0.05)));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler s = new Sampler(SamplingSettings.greedy().withRepeatPenalty(2f, 4));
        s.accept(0);
        // 3 -> 1.5 loses to 2.9
        assertEquals(1, s.sample(new float[] {3f, 2.9f, 0f}));
        Sampler t = new Sampler(SamplingSettings.greedy().withRepeatPenalty(2f, 4));
        t.accept(0);
        // -1 -> -2 now loses to -1.5
        assertEquals(1, t.sample(new float[] {-1f, -1.5f, -3f}));
    }

    @Test
    void repetitionPenaltyCountsEachTokenOnceAndOnlyInsideTheWindow() {
        Sampler s = new Sampler(SamplingSettings.greedy().withRepeatPenalty(2f, 3));
        s.acceptAll(new int[] {0, 0, 0});
        // penalised once: 4 -> 2 beats 1.9 (penalised three times it would be 0.5)
        assertEquals(0, s.sample(new float[] {4f, 1.9f}));
        s.acceptAll(new int[] {1, 1, 1});
        // token 0 left the 3-token window; token 1 is penalised: 1.9 -> 0.95
        assertEquals(0, s.sample(new float[] {1f, 1.9f}));
    }

    @Test
    void repetitionPenaltyRunsBeforeTopK() {
        Sampler s = new Sampler(new SamplingSettings(1f, 1, 1f, 0f, 2f, 8, 1));
        s.accept(0);
        for (int i = 0; i < 100; i++) {
            assertEquals(1, s.sample(new float[] {3f, 2.9f, 0f}));
        }
    }

    @Test
    void theSameSeedGivesTheSameTokens() {
        float[] logits = logProbs(0.25, 0.25, 0.25, 0.25);
        int[] a = new int[200];
        int[] b = new int[200];
        int[] c = new int[200];
        Sampler sa = new Sampler(SamplingSettings.defaults(1234));
        Sampler sb = new Sampler(SamplingSettings.defaults(1234));
        Sampler sc = new Sampler(SamplingSettings.defaults(4321));
        for (int i = 0; i < a.length; i++) {
            a[i] = sa.sample(logits);
            b[i] = sb.sample(logits);
            c[i] = sc.sample(logits);
        }
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void nanLogitsAreNeverChosen() {
        Sampler s = new Sampler(plain(1f, 1));
        for (int i = 0; i < 1000; i++) {
            assertEquals(1, s.sample(new float[] {Float.NaN, 0f, Float.NEGATIVE_INFINITY}));
        }
    }

    @Test
    void packingPreservesOrder() {
        float[] values = {Float.NEGATIVE_INFINITY, -1e30f, -2f, -0f, 0f, 1e-40f, 3f, Float.POSITIVE_INFINITY};
        for (int i = 0; i + 1 < values.length; i++) {
            assertTrue(Sampler.pack(values[i], 0) <= Sampler.pack(values[i + 1], 0), values[i] + " vs " + values[i + 1]);
            assertEquals(values[i] == 0 ? 0f : values[i], Sampler.logitOf(Sampler.pack(values[i], 17)));
            assertEquals(17, Sampler.idOf(Sampler.pack(values[i], 17)));
        }
    }

    @Test
    void badSettingsAreClearErrors() {
        assertThrows(KilnException.class, () -> new SamplingSettings(1f, 40, 1.5f, 0f, 1f, 64, 0));
        assertThrows(KilnException.class, () -> new SamplingSettings(1f, 40, 1f, -0.1f, 1f, 64, 0));
        assertThrows(KilnException.class, () -> new SamplingSettings(Float.NaN, 40, 1f, 0f, 1f, 64, 0));
        assertThrows(KilnException.class, () -> new SamplingSettings(1f, 40, 1f, 0f, 0f, 64, 0));
    }
}
