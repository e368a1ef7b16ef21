package dev.kiln.spark;

import dev.kiln.api.KilnException;
import org.apache.spark.sql.api.java.UDF4;

/**
 * {@code kiln_generate(prompt, max_tokens, temperature, seed)}: the generated text of one row, or
 * null (a null prompt, or a row that cannot be generated unless the settings fail the job). A null
 * argument takes the settings' value; a null seed is the settings' seed plus the prompt's hash.
 * The call waits while the executor's other tasks' rows share each batched pass over the weights.
 */
final class GenerateFunction implements UDF4<String, Integer, Double, Long, String> {
    private static final long serialVersionUID = 1L;

    private final KilnSparkSettings settings;

    GenerateFunction(KilnSparkSettings settings) {
        this.settings = settings;
    }

    @Override
    public String call(String prompt, Integer maxTokens, Double temperature, Long seed) {
        return generate(settings, prompt, maxTokens, temperature, seed).text();
    }

    /** One row through the executor's shared model; a failure throws if the settings say so. */
    static RowResult generate(KilnSparkSettings settings, String prompt, Integer maxTokens, Double temperature, Long seed) {
        if (prompt == null) {
            return RowResult.NULL_PROMPT;
        }
        ExecutorModel model = ExecutorModels.acquire(settings);
        long rowSeed = seed != null ? seed : settings.rowSeed(KilnSparkSettings.promptKey(prompt));
        RowGeneration row;
        try {
            row = model.submit(prompt, settings.params(rowSeed, maxTokens, temperature), settings.chat());
        } catch (KilnException e) {
            row = RowGeneration.finished(RowResult.failed(e.getMessage(), 0));
        }
        RowResult r = row.await(model.scheduler());
        if (r.error() != null && settings.failOnError()) {
            throw new RowFailedException("kiln: a row cannot be generated: " + r.error());
        }
        return r;
    }
}
