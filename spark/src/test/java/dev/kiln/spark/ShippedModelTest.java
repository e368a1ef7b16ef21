package dev.kiln.spark;

import static dev.kiln.spark.Fixtures.STORIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * A model shipped with the job ({@code SparkContext.addFile}, as {@code spark-submit --files}
 * does), and {@link KilnSparkPlugin} releasing the executor's model when the executor stops.
 * Its own Spark session: the plugin is configured when a session starts.
 */
class ShippedModelTest {

    @Test
    void a_shipped_model_runs_from_spark_files_and_the_plugin_releases_it_when_the_executor_stops() {
        ExecutorModels.releaseAll();
        SparkSession spark = Fixtures.spark(2, "spark.plugins", KilnSparkPlugin.class.getName());
        try {
            ModelSource shipped = KilnSpark.shipModel(spark, STORIES);
            assertEquals("stories260K.gguf", shipped.location());
            assertTrue(shipped.shipped());
            assertTrue(shipped.resolve().startsWith(SparkFiles.getRootDirectory()), shipped.resolve().toString());
            KilnSparkSettings settings = KilnSparkSettings.of(shipped).withTemperature(0).withMaxTokens(128);
            List<Row> rows = KilnSpark.generate(spark.sql("SELECT 'Once upon a time' AS prompt"), "prompt", "c", settings)
                    .collectAsList();
            assertEquals(Fixtures.llamaCppContinuation("p1"), rows.get(0).getString(1));
            assertEquals(1, ExecutorModels.loaded());
        } finally {
            spark.stop();
        }
        assertEquals(0, ExecutorModels.loaded());
    }
}
