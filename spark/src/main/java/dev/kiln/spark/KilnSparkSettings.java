package dev.kiln.spark;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.GenerateParams;
import dev.kiln.runtime.generate.SamplingSettings;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * How Kiln runs in a Spark job: the model, how each executor runs it, and how every row's text is
 * generated. Immutable and serializable (it travels to the executors with the job); change one
 * field with the {@code with…} methods.
 *
 * <pre>{@code
 * KilnSparkSettings settings = KilnSparkSettings.of(ModelSource.shipped("model.gguf"))
 *         .withMaxTokens(64).withTemperature(0).withKeyColumn("id");
 * }</pre>
 *
 * <p><b>Determinism.</b> Row {@code r} is sampled with the seed {@code seed + key(r)}: {@code key}
 * is the value of the {@link #keyColumn()} (an integer column), or, without one, the 64-bit
 * FNV-1a hash of the prompt's UTF-8 bytes ({@link #promptKey}); the SQL function takes the row's
 * seed as its fourth argument ({@code kiln_generate(text, 64, 0.8, 42 + id)}). A row's text depends
 * only on its prompt and these settings, never on the partitioning, the executors or the other
 * rows batched with it, so a job's output is the same on every run and a retried task gives the
 * same rows. Greedy decoding ({@code temperature 0}) uses no seed.
 *
 * @param model where the model file is
 * @param backend the compute backend ({@code vector}, {@code scalar}); null for the fastest that runs
 * @param threads compute threads per executor; 0 for the executor's cores ({@code spark.executor.cores},
 *                the {@code local[N]} master, else the JVM's processors)
 * @param contextSize each sequence's KV-cache capacity in tokens (prompt plus continuation); 0 for the
 *                    model's trained context, at most 4096
 * @param slots sequences an executor generates at once, each token of all of them in one batched pass
 *              over the weights; each slot holds a KV cache of {@code contextSize} tokens
 * @param maxTokens the most tokens generated per row; negative for until an end token or a full context
 * @param temperature sampling temperature; 0 is greedy
 * @param topK llama.cpp's top-k (0 keeps all)
 * @param topP top-p (1 keeps all)
 * @param minP min-p (0 keeps all)
 * @param repeatPenalty llama.cpp's repetition penalty over the last 64 tokens (1 is off)
 * @param seed the job's seed; each row adds its key
 * @param stop generation ends where one of these strings appears (not part of the text)
 * @param chat treat each prompt as a user's message in the model's chat template, as {@code kiln chat}
 *             does, and stop at the end of the assistant's turn
 * @param keyColumn the integer column whose value is added to the seed ({@link KilnSpark#generate}); null
 *                  for the prompt's hash
 * @param errorColumn the column that holds why a row has no text ({@link KilnSpark#generate}); null for
 *                    the output column's name plus {@code _error}
 * @param failOnError fail the job at the first row that cannot be generated, instead of a null text
 *                    and the reason in the error column
 */
public record KilnSparkSettings(ModelSource model, String backend, int threads, int contextSize, int slots,
                                int maxTokens, float temperature, int topK, float topP, float minP,
                                float repeatPenalty, long seed, List<String> stop, boolean chat,
                                String keyColumn, String errorColumn, boolean failOnError) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Rows generated at once per executor unless set: enough to share each pass over the weights widely. */
    public static final int DEFAULT_SLOTS = 8;
    /** Tokens per row unless set: a bound, so that one row cannot hold a slot for a whole context. */
    public static final int DEFAULT_MAX_TOKENS = 256;

    public KilnSparkSettings {
        Objects.requireNonNull(model, "model is null");
        if (threads < 0) {
            throw new KilnException("threads must be 0 (the executor's cores) or more, got " + threads);
        }
        if (contextSize < 0) {
            throw new KilnException("the context size must be 0 (the model's) or more, got " + contextSize);
        }
        if (slots < 1) {
            throw new KilnException("slots must be at least 1, got " + slots);
        }
        stop = List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new KilnException("a stop string is empty");
            }
        }
        if (keyColumn != null && keyColumn.isBlank()) {
            keyColumn = null;
        }
        if (errorColumn != null && errorColumn.isBlank()) {
            errorColumn = null;
        }
        sampling(temperature, topK, topP, minP, repeatPenalty, seed); // the runtime's checks, on the driver
    }

    /** llama-cli's sampling defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05) with seed 0, 256 tokens per row. */
    public static KilnSparkSettings of(ModelSource model) {
        return new KilnSparkSettings(model, null, 0, 0, DEFAULT_SLOTS, DEFAULT_MAX_TOKENS,
                SamplingSettings.DEFAULT_TEMPERATURE, SamplingSettings.DEFAULT_TOP_K, SamplingSettings.DEFAULT_TOP_P,
                SamplingSettings.DEFAULT_MIN_P, SamplingSettings.DEFAULT_REPEAT_PENALTY, 0L, List.of(), false,
                null, null, false);
    }

    public KilnSparkSettings withModel(ModelSource m) {
        return new KilnSparkSettings(m, backend, threads, contextSize, slots, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withBackend(String name) {
        return new KilnSparkSettings(model, name, threads, contextSize, slots, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withThreads(int n) {
        return new KilnSparkSettings(model, backend, n, contextSize, slots, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withContextSize(int tokens) {
        return new KilnSparkSettings(model, backend, threads, tokens, slots, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withSlots(int n) {
        return new KilnSparkSettings(model, backend, threads, contextSize, n, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withMaxTokens(int n) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, n, temperature, topK, topP, minP,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withTemperature(float t) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, t, topK, topP, minP,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withTopK(int k) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, temperature, k, topP, minP,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withTopP(float p) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, temperature, topK, p, minP,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withMinP(float p) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, temperature, topK, topP, p,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withRepeatPenalty(float r) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, temperature, topK, topP, minP,
                r, seed, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withSeed(long s) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, s, stop, chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withStop(String... strings) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, seed, List.of(strings), chat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withChat(boolean asChat) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, seed, stop, asChat, keyColumn, errorColumn, failOnError);
    }

    public KilnSparkSettings withKeyColumn(String column) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, seed, stop, chat, column, errorColumn, failOnError);
    }

    public KilnSparkSettings withErrorColumn(String column) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, seed, stop, chat, keyColumn, column, failOnError);
    }

    public KilnSparkSettings withFailOnError(boolean fail) {
        return new KilnSparkSettings(model, backend, threads, contextSize, slots, maxTokens, temperature, topK, topP, minP,
                repeatPenalty, seed, stop, chat, keyColumn, errorColumn, fail);
    }

    /** The seed of the row with {@code key}: {@code seed + key} (wrapping). */
    public long rowSeed(long key) {
        return seed + key;
    }

    /** A prompt's key when there is no key column: the 64-bit FNV-1a hash of its UTF-8 bytes. */
    public static long promptKey(String prompt) {
        long h = 0xcbf29ce484222325L;
        for (byte b : prompt.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * One row's generation parameters: these settings with the row's seed, and the SQL function's
     * per-row maximum and temperature where given (null keeps the settings').
     *
     * @throws KilnException if an override is out of range
     */
    public GenerateParams params(long rowSeed, Integer rowMaxTokens, Double rowTemperature) {
        float t = rowTemperature == null ? temperature : rowTemperature.floatValue();
        if (rowTemperature != null && !Double.isFinite(rowTemperature)) {
            throw new KilnException("temperature must be a finite number, got " + rowTemperature);
        }
        int n = rowMaxTokens == null ? maxTokens : rowMaxTokens;
        return new GenerateParams(n, sampling(t, topK, topP, minP, repeatPenalty, rowSeed), stop, false);
    }

    /** The model options an executor loads with, {@code cores} being its cores. */
    ModelOptions modelOptions(int cores) {
        return ModelOptions.defaults().withBackend(backend).withThreads(threads > 0 ? threads : cores)
                .withContextSize(contextSize);
    }

    private static SamplingSettings sampling(float temperature, int topK, float topP, float minP, float repeatPenalty,
                                             long seed) {
        return new SamplingSettings(temperature, topK, topP, minP, repeatPenalty,
                SamplingSettings.DEFAULT_PENALTY_WINDOW, seed);
    }
}
