package dev.kiln.spark;

import static dev.kiln.spark.Fixtures.REFERENCE_PROMPTS;
import static dev.kiln.spark.Fixtures.STORIES;
import static dev.kiln.spark.Fixtures.llamaCppContinuation;
import static dev.kiln.spark.Fixtures.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.GenerateParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kiln in Spark's local mode (two task threads, one JVM) on the embedded model: the Dataset API
 * and the SQL function give, row for row, the text the library gives alone (llama.cpp's for the
 * reference prompts), whatever the partitioning; the model is loaded once; bad rows and bad
 * models are reported as the settings say. One Spark session for the whole class.
 */
class KilnSparkTest {
    static final int ROWS = 300;
    static final int TOKENS = 24;
    /** Every test runs the model the same way (one shared model per JVM); a 512-token context makes "too long" cheap. */
    static final int CONTEXT = 512;

    static SparkSession spark;
    static KilnModel library;
    static int loadsBefore;
    static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("prompt", DataTypes.StringType, true);

    static KilnSparkSettings greedy() {
        return KilnSparkSettings.of(ModelSource.path(STORIES)).withContextSize(CONTEXT).withTemperature(0)
                .withMaxTokens(TOKENS);
    }

    @BeforeAll
    static void start() {
        ExecutorModels.releaseAll();
        loadsBefore = ExecutorModels.loads();
        spark = Fixtures.spark(2);
        library = Kiln.load(STORIES, ModelOptions.defaults().withThreads(2).withContextSize(CONTEXT));
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (library != null) {
            library.close();
        }
    }

    static Dataset<Row> frame(List<String> prompts, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            rows.add(RowFactory.create((long) i, prompts.get(i)));
        }
        return spark.createDataFrame(rows, SCHEMA).repartition(partitions);
    }

    /** Column {@code column} by the row's id. */
    static Map<Long, String> byId(Dataset<Row> df, String column) {
        Map<Long, String> out = new HashMap<>();
        for (Row r : df.select("id", column).collectAsList()) {
            out.put(r.getLong(0), r.isNullAt(1) ? null : r.getString(1));
        }
        return out;
    }

    static String alone(String prompt, GenerateParams params) {
        return library.generate(prompt, params, t -> { }).text();
    }

    @Test
    void the_dataset_api_gives_each_row_the_librarys_greedy_text_with_one_and_four_partitions() {
        List<String> prompts = Fixtures.prompts(ROWS);
        Map<Long, String> one = byId(KilnSpark.generate(frame(prompts, 1), "prompt", "completion", greedy()), "completion");
        Map<Long, String> four = byId(KilnSpark.generate(frame(prompts, 4), "prompt", "completion", greedy()), "completion");
        assertLibraryGreedyTexts(prompts, one, four);
    }

    /** Both partitionings gave every row, the same rows, each the library's greedy text alone. */
    static void assertLibraryGreedyTexts(List<String> prompts, Map<Long, String> one, Map<Long, String> four) {
        assertEquals(prompts.size(), one.size());
        assertEquals(one, four);
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(alone(prompts.get(i), GenerateParams.greedy(TOKENS)), one.get((long) i), "row " + i);
        }
    }

    @Test
    void reference_prompts_give_llama_cpps_text_through_the_dataset_api_and_sql() {
        List<String> prompts = REFERENCE_PROMPTS.stream().map(Fixtures::prompt).toList();
        Dataset<Row> out = KilnSpark.generate(frame(prompts, 2), "prompt", "completion", greedy().withMaxTokens(128));
        Map<Long, String> texts = byId(out, "completion");
        KilnSpark.register(spark, greedy());
        frame(prompts, 3).createOrReplaceTempView("reference_prompts");
        Map<Long, String> sql = byId(spark.sql("SELECT id, kiln_generate(prompt, 128) AS t FROM reference_prompts"), "t");
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(llamaCppContinuation(REFERENCE_PROMPTS.get(i)), texts.get((long) i), REFERENCE_PROMPTS.get(i));
            assertEquals(texts.get((long) i), sql.get((long) i), REFERENCE_PROMPTS.get(i));
        }
    }

    @Test
    void the_sql_function_gives_the_librarys_text_with_one_and_four_partitions() {
        List<String> prompts = Fixtures.prompts(ROWS);
        KilnSpark.register(spark, greedy());
        frame(prompts, 1).createOrReplaceTempView("prompts_one");
        frame(prompts, 4).createOrReplaceTempView("prompts_four");
        Map<Long, String> one = byId(spark.sql("SELECT id, kiln_generate(prompt) AS t FROM prompts_one"), "t");
        Map<Long, String> four = byId(spark.sql("SELECT id, kiln_generate(prompt) AS t FROM prompts_four"), "t");
        assertLibraryGreedyTexts(prompts, one, four);
    }

    @Test
    void sampled_rows_use_seed_plus_key_whatever_the_partitioning() {
        List<String> prompts = Fixtures.prompts(60);
        KilnSparkSettings sampled = greedy().withTemperature(0.8f).withSeed(42).withKeyColumn("id");
        Map<Long, String> one = byId(KilnSpark.generate(frame(prompts, 1), "prompt", "c", sampled), "c");
        Map<Long, String> four = byId(KilnSpark.generate(frame(prompts, 4), "prompt", "c", sampled), "c");
        KilnSpark.register(spark, sampled);
        frame(prompts, 3).createOrReplaceTempView("sampled_prompts");
        Map<Long, String> sql = byId(spark.sql(
                "SELECT id, kiln_generate(prompt, " + TOKENS + ", 0.8, 42 + id) AS c FROM sampled_prompts"), "c");
        assertEquals(one, four);
        assertEquals(one, sql);
        int differ = 0;
        for (int i = 0; i < prompts.size(); i++) {
            GenerateParams params = sampled.params(42 + i, null, null);
            assertEquals(alone(prompts.get(i), params), one.get((long) i), "row " + i);
            differ += one.get((long) i).equals(alone(prompts.get(i), GenerateParams.greedy(TOKENS))) ? 0 : 1;
        }
        assertTrue(differ > prompts.size() / 2, "sampling changed only " + differ + " rows");
        // without a key column the key is the prompt's hash: the same prompt, the same text
        Map<Long, String> hashed = byId(KilnSpark.generate(frame(List.of(prompts.get(0), prompts.get(0)), 2), "prompt",
                "c", sampled.withKeyColumn(null)), "c");
        assertEquals(alone(prompts.get(0), sampled.params(42 + KilnSparkSettings.promptKey(prompts.get(0)), null, null)),
                hashed.get(0L));
        assertEquals(hashed.get(0L), hashed.get(1L));
    }

    @Test
    void the_model_is_loaded_once_in_this_jvm_for_every_job_and_task() {
        KilnSpark.generate(frame(Fixtures.prompts(20), 4), "prompt", "c", greedy()).collectAsList();
        KilnSpark.register(spark, greedy().withMaxTokens(4));
        frame(Fixtures.prompts(20), 3).createOrReplaceTempView("once");
        spark.sql("SELECT kiln_generate(prompt) FROM once").collectAsList();
        assertEquals(loadsBefore + 1, ExecutorModels.loads());
        assertEquals(1, ExecutorModels.loaded());
    }

    @Test
    void a_prompt_too_long_or_null_gives_null_and_the_reason() {
        String tooLong = "Once upon a time there was a little girl. ".repeat(80);
        List<String> prompts = new ArrayList<>(Fixtures.prompts(6));
        prompts.add(tooLong);
        prompts.add(null);
        Dataset<Row> out = KilnSpark.generate(frame(prompts, 2), "prompt", "c", greedy());
        Map<Long, String> texts = byId(out, "c");
        Map<Long, String> errors = byId(out, "c_error");
        for (int i = 0; i < 6; i++) {
            assertEquals(alone(prompts.get(i), GenerateParams.greedy(TOKENS)), texts.get((long) i));
            assertNull(errors.get((long) i));
        }
        assertNull(texts.get(6L));
        assertTrue(errors.get(6L).contains("tokens but a slot's context has room for " + CONTEXT), errors.get(6L));
        assertNull(texts.get(7L));
        assertNull(errors.get(7L));

        KilnSpark.register(spark, greedy());
        frame(prompts, 2).createOrReplaceTempView("with_bad_rows");
        Row bad = spark.sql("SELECT kiln_generate(prompt) AS t, kiln_generate_result(prompt) AS r FROM with_bad_rows"
                + " WHERE id = 6").first();
        assertTrue(bad.isNullAt(0));
        Row result = bad.getStruct(1);
        assertTrue(result.isNullAt(0));
        assertTrue(result.getString(1).contains("room for " + CONTEXT), result.getString(1));
        assertTrue(result.getInt(2) > CONTEXT);
        Row good = spark.sql("SELECT kiln_generate_result(prompt) AS r FROM with_bad_rows WHERE id = 0").first().getStruct(0);
        assertEquals(alone(prompts.get(0), GenerateParams.greedy(TOKENS)), good.getString(0));
        assertEquals(library.tokenize(prompts.get(0)).length, good.getInt(2));
        assertEquals(TOKENS, good.getInt(3));
        assertEquals("token_limit", good.getString(4));
    }

    @Test
    void fail_on_error_fails_the_job_with_kilns_message() {
        List<String> prompts = new ArrayList<>(Fixtures.prompts(4));
        prompts.add("Once upon a time there was a little girl. ".repeat(80));
        Dataset<Row> out = KilnSpark.generate(frame(prompts, 1), "prompt", "c", greedy().withFailOnError(true)
                .withKeyColumn("id"));
        Exception e = assertThrows(Exception.class, out::collectAsList);
        assertTrue(e.getMessage().contains("the row with id = 4 cannot be generated")
                && e.getMessage().contains("room for " + CONTEXT), e.getMessage());
        KilnSpark.register(spark, greedy().withFailOnError(true));
        frame(prompts, 1).createOrReplaceTempView("failing");
        Exception sql = assertThrows(Exception.class, () -> spark.sql("SELECT kiln_generate(prompt) FROM failing").collectAsList());
        assertTrue(sql.getMessage().contains("a row cannot be generated"), sql.getMessage());
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // a guard against the hang this test is about, not a speed check
    void a_cancelled_job_frees_the_executors_slots_and_the_next_job_runs() throws Exception {
        List<String> prompts = Fixtures.prompts(200);
        ExecutorService driver = Executors.newSingleThreadExecutor();
        try {
            Future<?> job = driver.submit(() -> {
                spark.sparkContext().setJobGroup("kiln-cancel", "a long job to cancel", true);
                return KilnSpark.generate(frame(prompts, 2), "prompt", "c", greedy().withMaxTokens(400)).collectAsList();
            });
            while (ExecutorModels.rowsInProgress() == 0 && !job.isDone()) {
                Thread.sleep(20);
            }
            spark.sparkContext().cancelJobGroup("kiln-cancel");
            ExecutionException cancelled = assertThrows(ExecutionException.class, () -> job.get(5, TimeUnit.MINUTES));
            assertTrue(cancelled.getCause().getMessage().contains("cancelled"), cancelled.getCause().getMessage());
            while (ExecutorModels.rowsInProgress() > 0) { // the killed tasks cancelled their rows
                Thread.sleep(20);
            }
        } finally {
            driver.shutdownNow();
        }
        List<String> after = Fixtures.prompts(4);
        Map<Long, String> texts = byId(KilnSpark.generate(frame(after, 2), "prompt", "c", greedy()), "c");
        assertLibraryGreedyTexts(after, texts, texts);
    }

    @Test
    void a_missing_or_corrupt_model_fails_on_the_driver_before_any_task(@TempDir Path dir) throws IOException {
        Dataset<Row> df = frame(List.of("Once upon a time"), 1);
        KilnException missing = assertThrows(KilnException.class, () -> KilnSpark.generate(df, "prompt", "c",
                greedy().withModel(ModelSource.path(dir.resolve("nope.gguf")))));
        assertTrue(missing.getMessage().contains("nope.gguf") && missing.getMessage().contains("no such file"),
                missing.getMessage());
        Path corrupt = dir.resolve("half.gguf");
        byte[] bytes = Files.readAllBytes(STORIES);
        Files.write(corrupt, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        KilnException truncated = assertThrows(KilnException.class, () -> KilnSpark.register(spark,
                greedy().withModel(ModelSource.path(corrupt))));
        assertTrue(truncated.getMessage().contains("half.gguf"), truncated.getMessage());
        // the check a cluster's driver runs (no shared model there) says the same
        KilnException cluster = assertThrows(KilnException.class, () -> KilnSpark.checkOnDriver(
                greedy().withModel(ModelSource.path(corrupt))));
        assertEquals(truncated.getMessage(), cluster.getMessage());
        KilnException backend = assertThrows(KilnException.class, () -> KilnSpark.checkOnDriver(greedy().withBackend("gpu")));
        assertTrue(backend.getMessage().contains("unknown backend 'gpu'"), backend.getMessage());
        KilnSpark.checkOnDriver(greedy());
    }

    @Test
    void bad_columns_and_settings_are_clear_errors() {
        Dataset<Row> df = frame(List.of("Once upon a time"), 1);
        KilnException column = assertThrows(KilnException.class, () -> KilnSpark.generate(df, "text", "c", greedy()));
        assertTrue(column.getMessage().contains("no prompt column 'text' among id, prompt"), column.getMessage());
        KilnException type = assertThrows(KilnException.class, () -> KilnSpark.generate(df, "id", "c", greedy()));
        assertTrue(type.getMessage().contains("'id' is bigint, not a string"), type.getMessage());
        KilnException key = assertThrows(KilnException.class, () -> KilnSpark.generate(df, "prompt", "c",
                greedy().withKeyColumn("prompt")));
        assertTrue(key.getMessage().contains("key column 'prompt' is string"), key.getMessage());
        KilnException exists = assertThrows(KilnException.class, () -> KilnSpark.generate(df, "prompt", "id", greedy()));
        assertTrue(exists.getMessage().contains("'id' already exists"), exists.getMessage());
        KilnException temperature = assertThrows(KilnException.class, () -> greedy().withTemperature(Float.NaN));
        assertTrue(temperature.getMessage().contains("temperature"), temperature.getMessage());
        KilnException slots = assertThrows(KilnException.class, () -> greedy().withSlots(0));
        assertTrue(slots.getMessage().contains("slots"), slots.getMessage());
    }

    @Test
    void chat_rows_are_the_users_message_in_the_models_template() {
        List<String> prompts = List.of("Lily", "Ben", "Tell me a story");
        Map<Long, String> texts = byId(KilnSpark.generate(frame(prompts, 2), "prompt", "c", greedy().withChat(true)), "c");
        for (int i = 0; i < prompts.size(); i++) {
            String expected = library.chat(List.of(ChatMessage.user(prompts.get(i))), GenerateParams.greedy(TOKENS), t -> { })
                    .text();
            assertEquals(expected, texts.get((long) i), prompts.get(i));
        }
    }
}
