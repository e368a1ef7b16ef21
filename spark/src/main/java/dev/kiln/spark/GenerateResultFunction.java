package dev.kiln.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF4;

/**
 * {@code kiln_generate_result(prompt, max_tokens, temperature, seed)}: {@link GenerateFunction}'s
 * row as a struct of text, error, prompt and generated token counts and stop reason
 * ({@link RowResult#SCHEMA}), so that SQL can see why a row has no text.
 */
final class GenerateResultFunction implements UDF4<String, Integer, Double, Long, Row> {
    private static final long serialVersionUID = 1L;

    private final KilnSparkSettings settings;

    GenerateResultFunction(KilnSparkSettings settings) {
        this.settings = settings;
    }

    @Override
    public Row call(String prompt, Integer maxTokens, Double temperature, Long seed) {
        return GenerateFunction.generate(settings, prompt, maxTokens, temperature, seed).toRow();
    }
}
