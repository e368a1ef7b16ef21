package dev.kiln.runtime.generate;

import dev.kiln.api.KilnException;

/**
 * How the next token is chosen, with llama-cli's defaults and meanings.
 *
 * @param temperature logits are divided by this before the final draw; {@code 0} (or less) is greedy
 * @param topK keep the {@code topK} most likely tokens; {@code 0} or less keeps all
 * @param topP keep the smallest set of most likely tokens whose probabilities sum to at least
 *             {@code topP}; {@code 1} keeps all
 * @param minP drop tokens whose probability is below {@code minP} times the top token's; {@code 0} keeps all
 * @param repeatPenalty divide positive (multiply negative) logits of recently seen tokens by this; {@code 1} is off
 * @param penaltyWindow how many recent tokens (prompt included) the repetition penalty looks at; {@code 0} is off
 * @param seed the random stream's seed; the same seed gives the same draws
 * @param frequencyPenalty subtract this times its count in the window from a recent token's logit; {@code 0} is off
 * @param presencePenalty subtract this from the logit of every token in the window; {@code 0} is off
 */
public record SamplingSettings(float temperature, int topK, float topP, float minP,
                               float repeatPenalty, int penaltyWindow, long seed,
                               float frequencyPenalty, float presencePenalty) {

    public static final float DEFAULT_TEMPERATURE = 0.8f;
    public static final int DEFAULT_TOP_K = 40;
    public static final float DEFAULT_TOP_P = 0.95f;
    public static final float DEFAULT_MIN_P = 0.05f;
    public static final float DEFAULT_REPEAT_PENALTY = 1.0f;
    public static final int DEFAULT_PENALTY_WINDOW = 64;

    public SamplingSettings {
        if (!Float.isFinite(temperature)) {
            throw new KilnException("temperature must be a finite number, got " + temperature);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new KilnException("top-p must be between 0 and 1, got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new KilnException("min-p must be between 0 and 1, got " + minP);
        }
        if (!(repeatPenalty > 0) || !Float.isFinite(repeatPenalty)) {
            throw new KilnException("repeat penalty must be a positive number, got " + repeatPenalty);
        }
        if (penaltyWindow < 0) {
            throw new KilnException("repeat-penalty window must be 0 or more, got " + penaltyWindow);
        }
        if (!Float.isFinite(frequencyPenalty) || !Float.isFinite(presencePenalty)) {
            throw new KilnException("frequency and presence penalties must be finite numbers, got "
                    + frequencyPenalty + " and " + presencePenalty);
        }
    }

    /** Settings without frequency or presence penalty (llama-cli's defaults for those). */
    public SamplingSettings(float temperature, int topK, float topP, float minP, float repeatPenalty,
                            int penaltyWindow, long seed) {
        this(temperature, topK, topP, minP, repeatPenalty, penaltyWindow, seed, 0f, 0f);
    }

    /** llama-cli's defaults with {@code seed}. */
    public static SamplingSettings defaults(long seed) {
        return new SamplingSettings(DEFAULT_TEMPERATURE, DEFAULT_TOP_K, DEFAULT_TOP_P, DEFAULT_MIN_P,
                DEFAULT_REPEAT_PENALTY, DEFAULT_PENALTY_WINDOW, seed);
    }

    /** Greedy decoding: always the most likely token (after the repetition penalty). */
    public static SamplingSettings greedy() {
        return new SamplingSettings(0f, DEFAULT_TOP_K, DEFAULT_TOP_P, DEFAULT_MIN_P,
                DEFAULT_REPEAT_PENALTY, DEFAULT_PENALTY_WINDOW, 0L);
    }

    public boolean isGreedy() {
        return temperature <= 0;
    }

    public SamplingSettings withTemperature(float t) {
        return new SamplingSettings(t, topK, topP, minP, repeatPenalty, penaltyWindow, seed, frequencyPenalty, presencePenalty);
    }

    public SamplingSettings withTopK(int k) {
        return new SamplingSettings(temperature, k, topP, minP, repeatPenalty, penaltyWindow, seed, frequencyPenalty, presencePenalty);
    }

    public SamplingSettings withTopP(float p) {
        return new SamplingSettings(temperature, topK, p, minP, repeatPenalty, penaltyWindow, seed, frequencyPenalty, presencePenalty);
    }

    public SamplingSettings withMinP(float p) {
        return new SamplingSettings(temperature, topK, topP, p, repeatPenalty, penaltyWindow, seed, frequencyPenalty, presencePenalty);
    }

    public SamplingSettings withRepeatPenalty(float r, int window) {
        return new SamplingSettings(temperature, topK, topP, minP, r, window, seed, frequencyPenalty, presencePenalty);
    }

    public SamplingSettings withSeed(long s) {
        return new SamplingSettings(temperature, topK, topP, minP, repeatPenalty, penaltyWindow, s, frequencyPenalty, presencePenalty);
    }

    /** OpenAI's frequency and presence penalties, over the same window as the repetition penalty. */
    public SamplingSettings withPenalties(float frequency, float presence) {
        return new SamplingSettings(temperature, topK, topP, minP, repeatPenalty, penaltyWindow, seed, frequency, presence);
    }
}
