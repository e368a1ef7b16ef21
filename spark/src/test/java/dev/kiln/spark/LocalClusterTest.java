package dev.kiln.spark;

import static dev.kiln.spark.Fixtures.FIXTURES;
import static dev.kiln.spark.Fixtures.STORIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.GenerateParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's {@code local-cluster} mode: a master and two workers in this JVM, each worker starting
 * an executor in a JVM of its own (one core each), as on a real cluster. The model reaches the
 * executors as {@code spark-submit --files} ships it ({@code spark.files}) and through
 * {@link KilnSpark#shipModel}; the rows' texts are the library's; each executor loads a model once,
 * on the vector backend with no JVM option of ours (Spark adds its {@code JavaModuleOptions}, which
 * include {@code --add-modules=jdk.incubator.vector}, to the executors' options).
 */
class LocalClusterTest {
    static final Path Q8 = FIXTURES.resolve("models/stories260K-Q8_0.gguf");

    @Test
    void two_executor_jvms_each_load_the_model_once_and_give_the_librarys_text(@TempDir Path sparkHome) throws IOException {
        // local-cluster starts executors from a Spark home (here an empty one) with this JVM's class path (spark.testing)
        Files.createDirectories(sparkHome.resolve("jars"));
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", sparkHome.toString());
        SparkSession spark = SparkSession.builder()
                .master("local-cluster[2,1,1024]")
                .appName("kiln-spark-local-cluster")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13") // else the launcher looks for a Spark build
                .config("spark.files", STORIES.toAbsolutePath().toString()) // what spark-submit --files sets
                .getOrCreate();
        try {
            List<String> prompts = Fixtures.prompts(40);
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                rows.add(RowFactory.create((long) i, prompts.get(i)));
            }
            Dataset<Row> df = spark.createDataFrame(rows, new StructType()
                    .add("id", DataTypes.LongType).add("prompt", DataTypes.StringType)).repartition(4);
            KilnSparkSettings settings = KilnSparkSettings.of(ModelSource.shipped("stories260K.gguf")).withTemperature(0)
                    .withMaxTokens(16);
            Map<Long, String> first = texts(KilnSpark.generate(df, "prompt", "c", settings));
            assertEquals(first, texts(KilnSpark.generate(df, "prompt", "c", settings)));
            assertEquals(library(STORIES, prompts), first);

            // each executor JVM: its process, its model loads, its backend
            List<String> seen = spark.range(0, 8, 1, 8).mapPartitions(
                    (MapPartitionsFunction<Long, String>) LocalClusterTest::describeExecutor, Encoders.STRING()).collectAsList();
            long driver = ProcessHandle.current().pid();
            int loaded = 0;
            for (String s : seen) {
                String[] f = s.split(" ");
                assertNotEquals(String.valueOf(driver), f[0], "an executor runs in the driver's JVM");
                assertTrue(f[1].equals("0") || f[1].equals("1") && f[2].equals("vector"), "executor " + s);
                loaded += f[1].equals("1") ? 1 : 0;
            }
            assertTrue(loaded > 0, String.join(", ", seen));

            // a model shipped to the running session
            KilnSparkSettings q8 = settings.withModel(KilnSpark.shipModel(spark, Q8));
            assertEquals(library(Q8, prompts), texts(KilnSpark.generate(df, "prompt", "c", q8)));
        } finally {
            spark.stop();
            System.clearProperty("spark.testing");
            System.clearProperty("spark.test.home");
        }
    }

    private static Map<Long, String> texts(Dataset<Row> df) {
        Map<Long, String> out = new HashMap<>();
        for (Row r : df.select("id", "c", "c_error").collectAsList()) {
            assertTrue(r.isNullAt(2), r.getString(2));
            out.put(r.getLong(0), r.getString(1));
        }
        return out;
    }

    private static Map<Long, String> library(Path model, List<String> prompts) {
        Map<Long, String> out = new HashMap<>();
        try (KilnModel m = Kiln.load(model, ModelOptions.defaults().withThreads(1))) {
            for (int i = 0; i < prompts.size(); i++) {
                out.put((long) i, m.generate(prompts.get(i), GenerateParams.greedy(16), t -> { }).text());
            }
        }
        return out;
    }

    private static Iterator<String> describeExecutor(Iterator<Long> ignored) {
        return List.of(ProcessHandle.current().pid() + " " + ExecutorModels.loads() + " " + ExecutorModels.backends()).iterator();
    }
}
