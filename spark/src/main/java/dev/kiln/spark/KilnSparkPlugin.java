package dev.kiln.spark;

import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Releases each executor's models when the executor stops ({@code --conf spark.plugins=dev.kiln.spark.KilnSparkPlugin}).
 * Optional: an executor that exits releases them anyway, and in local mode {@link KilnSpark}
 * releases them when the application ends.
 */
public final class KilnSparkPlugin implements SparkPlugin {

    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void shutdown() {
                ExecutorModels.releaseAll();
            }
        };
    }
}
