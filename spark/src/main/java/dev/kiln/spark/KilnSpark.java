package dev.kiln.spark;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Backend;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.WeakHashMap;
import org.apache.spark.JobArtifactSet;
import org.apache.spark.JobArtifactState;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Kiln in Apache Spark: generated text as a column of a {@link Dataset}, or from SQL.
 *
 * <pre>{@code
 * KilnSparkSettings settings = KilnSparkSettings.of(ModelSource.shipped("model.gguf")).withMaxTokens(64);
 * Dataset<Row> out = KilnSpark.generate(tickets, "text", "summary", settings);   // + summary, summary_error
 *
 * KilnSpark.register(spark, settings);
 * spark.sql("SELECT id, kiln_generate(text) FROM tickets");
 * }</pre>
 *
 * <p>Each executor JVM loads the model once, on first use, and shares it between its tasks; its
 * compute threads are the executor's cores. The rows of all its tasks are generated together in
 * one {@link dev.kiln.runtime.batch.BatchScheduler}: every decode step runs the next token of all
 * running rows in one pass over the weights. {@link #generate} keeps twice {@code slots} rows of each
 * task in flight; the SQL function evaluates one row per call, so there the batch is the rows of
 * the tasks running at once (one per core).
 *
 * <p>The model is checked on the driver when a job is defined ({@link #generate}, {@link #register}):
 * a missing or corrupt file fails there with Kiln's message, before any task runs.
 */
public final class KilnSpark {
    /** The SQL function: {@code kiln_generate(prompt [, max_tokens [, temperature [, seed]]])} → STRING. */
    public static final String FUNCTION = "kiln_generate";
    /** The SQL function that also says why a row failed: same arguments → {@link RowResult#SCHEMA}. */
    public static final String RESULT_FUNCTION = "kiln_generate_result";

    /** Contexts whose end releases this JVM's models (local mode: the driver is the executor). */
    private static final Set<SparkContext> RELEASE_AT_END = Collections.synchronizedSet(
            Collections.newSetFromMap(new WeakHashMap<>()));

    private KilnSpark() {
    }

    /**
     * {@code df} with two columns added: {@code outputColumn}, the text generated from
     * {@code promptColumn} (a string column), and the error column ({@link KilnSparkSettings#errorColumn()},
     * by default {@code outputColumn + "_error"}), why a row has no text. A null prompt gives null
     * in both. Lazy like any transformation; the model is checked now, on the driver.
     *
     * @throws KilnException if a column is missing or of the wrong type, or the model cannot be loaded
     */
    public static Dataset<Row> generate(Dataset<Row> df, String promptColumn, String outputColumn,
                                        KilnSparkSettings settings) {
        String errorColumn = settings.errorColumn() != null ? settings.errorColumn() : outputColumn + "_error";
        StructType schema = df.schema()
                .add(outputColumn, DataTypes.StringType, true)
                .add(errorColumn, DataTypes.StringType, true);
        return transform(df, promptColumn, settings, schema, false, outputColumn, errorColumn);
    }

    /**
     * {@code df} with one struct column {@code outputColumn} added ({@link RowResult#SCHEMA}: text,
     * error, prompt_tokens, generated_tokens, stop_reason), as {@link #generate} otherwise.
     */
    public static Dataset<Row> generateDetailed(Dataset<Row> df, String promptColumn, String outputColumn,
                                                KilnSparkSettings settings) {
        StructType schema = df.schema().add(outputColumn, RowResult.SCHEMA, true);
        return transform(df, promptColumn, settings, schema, true, outputColumn);
    }

    private static Dataset<Row> transform(Dataset<Row> df, String promptColumn, KilnSparkSettings settings,
                                          StructType schema, boolean detailed, String... added) {
        StructType in = df.schema();
        int promptIndex = column(in, promptColumn, "prompt");
        if (!in.fields()[promptIndex].dataType().equals(DataTypes.StringType)) {
            throw new KilnException("the prompt column '" + promptColumn + "' is "
                    + in.fields()[promptIndex].dataType().simpleString() + ", not a string");
        }
        int keyIndex = -1;
        if (settings.keyColumn() != null) {
            keyIndex = column(in, settings.keyColumn(), "key");
            DataType type = in.fields()[keyIndex].dataType();
            if (!(type instanceof IntegralType)) {
                throw new KilnException("the key column '" + settings.keyColumn() + "' is " + type.simpleString()
                        + ", not an integer type (tinyint, smallint, int, bigint)");
            }
        }
        for (String name : added) {
            if (Arrays.asList(in.fieldNames()).contains(name)) {
                throw new KilnException("the column '" + name + "' already exists; choose another output name");
            }
        }
        if (added.length == 2 && added[0].equals(added[1])) {
            throw new KilnException("the output and error columns are both named '" + added[0] + "'");
        }
        check(df.sparkSession(), settings);
        return df.mapPartitions(new PartitionGeneration(settings, promptIndex, keyIndex, detailed), Encoders.row(schema));
    }

    private static int column(StructType schema, String name, String role) {
        for (int i = 0; i < schema.fields().length; i++) {
            StructField f = schema.fields()[i];
            if (f.name().equals(name)) {
                return i;
            }
        }
        throw new KilnException("no " + role + " column '" + name + "' among " + String.join(", ", schema.fieldNames()));
    }

    /**
     * Registers, for {@code spark}'s session, {@value #FUNCTION}{@code (prompt [, max_tokens [, temperature [, seed]]])}
     * → STRING and {@value #RESULT_FUNCTION} (same arguments) → STRUCT ({@link RowResult#SCHEMA}).
     * Arguments left out or null take the settings' values; a null seed is the settings' seed plus
     * the prompt's hash (pass {@code 42 + id} to key rows by id). The model is checked now.
     *
     * @throws KilnException if the model cannot be loaded
     */
    public static void register(SparkSession spark, KilnSparkSettings settings) {
        check(spark, settings);
        spark.udf().register("_" + FUNCTION, new GenerateFunction(settings), DataTypes.StringType);
        spark.udf().register("_" + RESULT_FUNCTION, new GenerateResultFunction(settings), RowResult.SCHEMA);
        // SQL functions give the optional arguments (a Java UDF has one arity)
        String parameters = "prompt STRING, max_tokens INT DEFAULT NULL, temperature DOUBLE DEFAULT NULL, seed BIGINT DEFAULT NULL";
        String arguments = "prompt, max_tokens, temperature, seed";
        // dropped first: replacing one logs a warning each time
        spark.sql("DROP TEMPORARY FUNCTION IF EXISTS " + FUNCTION);
        spark.sql("CREATE TEMPORARY FUNCTION " + FUNCTION + "(" + parameters + ") RETURNS STRING RETURN _"
                + FUNCTION + "(" + arguments + ")");
        spark.sql("DROP TEMPORARY FUNCTION IF EXISTS " + RESULT_FUNCTION);
        spark.sql("CREATE TEMPORARY FUNCTION " + RESULT_FUNCTION + "(" + parameters + ") RETURNS "
                + RowResult.SCHEMA.sql() + " RETURN _" + RESULT_FUNCTION + "(" + arguments + ")");
    }

    /**
     * Ships the model at {@code local} with the jobs of {@code spark}'s session, as
     * {@code spark-submit --files} does for a whole application; each executor fetches it once.
     *
     * <p>Spark 4 isolates files added to a running application per SQL session
     * ({@code spark.sql.artifact.isolation.enabled}): the file is added to this session, where
     * its Dataset and SQL jobs fetch it, and to the application, where RDD jobs and the driver's
     * {@link org.apache.spark.SparkFiles} find it.
     */
    public static ModelSource shipModel(SparkSession spark, Path local) {
        if (!Files.isRegularFile(local)) {
            throw new KilnException(local + ": no such file");
        }
        String path = local.toAbsolutePath().toString();
        SparkContext sc = spark.sparkContext();
        sc.addFile(path);
        String session = null;
        if (spark instanceof org.apache.spark.sql.classic.SparkSession classic) {
            JobArtifactState state = classic.artifactManager().state();
            if (state != null) {
                JobArtifactSet.withActiveJobArtifactState(state, () -> {
                    sc.addFile(path);
                    return null;
                });
                session = state.uuid();
            }
        }
        return new ModelSource(local.getFileName().toString(), true, session);
    }

    /**
     * Checks on the driver that the model loads (file, metadata, tokenizer, architecture, tensors)
     * and the backend exists, so that a bad job fails before its tasks run. In local mode the
     * driver's JVM is the executor: the check loads the model the tasks will share.
     *
     * @throws KilnException with Kiln's message if not
     */
    public static void check(SparkSession spark, KilnSparkSettings settings) {
        SparkContext sc = spark.sparkContext();
        if (sc.isLocal()) {
            ExecutorModels.acquire(settings);
            if (RELEASE_AT_END.add(sc)) {
                sc.addSparkListener(new SparkListener() {
                    @Override
                    public void onApplicationEnd(SparkListenerApplicationEnd end) {
                        ExecutorModels.releaseAll();
                    }
                });
            }
            return;
        }
        checkOnDriver(settings);
    }

    /** The check of a cluster's driver, which has no executor model of its own: load and unload on one thread. */
    static void checkOnDriver(KilnSparkSettings settings) {
        Kiln kiln = Kiln.withPlugins(null);
        if (settings.backend() != null && !settings.backend().isBlank()) {
            String wanted = settings.backend().trim().toLowerCase(Locale.ROOT);
            if (kiln.plugins().backends().stream().map(Backend::name).noneMatch(n -> n.equalsIgnoreCase(wanted))) {
                throw new KilnException("unknown backend '" + settings.backend() + "'; available: "
                        + String.join(", ", kiln.plugins().backends().stream().map(Backend::name).sorted().toList()));
            }
        }
        // the executors' backend may differ from what the driver can run; the model is the same
        try (KilnModel model = kiln.open(settings.model().resolve(), ModelOptions.defaults().withBackend("scalar").withThreads(1))) {
            if (settings.chat()) {
                model.chatTemplate();
            }
        }
    }
}
