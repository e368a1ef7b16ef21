package dev.kiln.spark;

import dev.kiln.runtime.generate.Completion;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What one row's generation gave: its text, or why there is none.
 *
 * @param text the generated text; null if the row failed or its prompt is null
 * @param error why the row has no text; null if it has
 * @param promptTokens the prompt's tokens (0 if it was not tokenized)
 * @param generatedTokens tokens generated (an end token included)
 * @param stopReason why generation ended ({@code end_of_generation}, {@code token_limit},
 *                   {@code stop_string}, {@code context_full}); null without text
 */
public record RowResult(String text, String error, int promptTokens, int generatedTokens, String stopReason) {

    /** The SQL type of {@link #toRow()}: {@code kiln_generate_result}'s and {@link KilnSpark#generateDetailed}'s column. */
    public static final StructType SCHEMA = new StructType()
            .add("text", DataTypes.StringType, true)
            .add("error", DataTypes.StringType, true)
            .add("prompt_tokens", DataTypes.IntegerType, false)
            .add("generated_tokens", DataTypes.IntegerType, false)
            .add("stop_reason", DataTypes.StringType, true);

    /** The result of a null prompt: no text, and no error (SQL's null in, null out). */
    static final RowResult NULL_PROMPT = new RowResult(null, null, 0, 0, null);

    static RowResult of(Completion c) {
        return new RowResult(c.text(), null, c.promptTokens(), c.generatedTokens(),
                c.stopReason().name().toLowerCase(Locale.ROOT));
    }

    static RowResult failed(String error, int promptTokens) {
        return new RowResult(null, error, promptTokens, 0, null);
    }

    Row toRow() {
        return RowFactory.create(text, error, promptTokens, generatedTokens, stopReason);
    }
}
