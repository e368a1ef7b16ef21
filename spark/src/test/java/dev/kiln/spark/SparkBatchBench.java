package dev.kiln.spark;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.batch.BatchListener;
import dev.kiln.runtime.batch.BatchOptions;
import dev.kiln.runtime.batch.BatchRequest;
import dev.kiln.runtime.batch.BatchScheduler;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.GenerateParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code bench/spark-batch}: N rows of greedy generation through Spark (local mode with 1 and 2
 * executor cores; the Dataset API and the SQL function) against the single-process library on
 * the same rows and threads (one prompt after another with {@link KilnModel#generate}, and all at
 * once through a {@link BatchScheduler} of the same slots). Prints a markdown table: rows/s,
 * generated tokens/s, this process's CPU time per row, and Spark's overhead per row over the
 * library's batch, in wall time and in CPU time (on a shared machine the CPU time is the steadier). Each timed run
 * follows a warm-up and is the fastest of {@code repeats} (the machine is shared: the fastest run
 * is the least disturbed one); model loading and Spark's start are not timed.
 *
 * <p>Arguments: {@code MODEL.gguf [rows=200] [tokens=32] [slots=8] [cores=1,2] [repeats=3]}.
 */
public final class SparkBatchBench {

    /** One timed run: wall seconds, and this process's CPU seconds (less disturbed by other processes on the cores). */
    private record Run(String what, int cores, double seconds, double cpuSeconds, long rows, long tokens) {
        Run withCores(int c) {
            return new Run(what, c, seconds, cpuSeconds, rows, tokens);
        }
    }

    /** Times {@code body}, which returns the rows' generated tokens. */
    private static Run timed(String what, int cores, long rows, java.util.function.LongSupplier body) {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        long tokens = body.getAsLong();
        return new Run(what, cores, (System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9, rows, tokens);
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: SparkBatchBench MODEL.gguf [rows=200] [tokens=32] [slots=8] [cores=1,2]");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int slots = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        String[] coreList = (args.length > 4 ? args[4] : "1,2").split(",");
        int repeats = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        List<String> prompts = Fixtures.prompts(rows);
        List<Run> runs = new ArrayList<>();
        int mismatches = 0;
        for (String c : coreList) {
            int cores = Integer.parseInt(c.trim());
            Map<Integer, String> reference = new HashMap<>();
            try (KilnModel m = Kiln.load(model, ModelOptions.defaults().withThreads(cores))) {
                System.err.println("bench: " + m.describe());
                sequential(m, prompts.subList(0, Math.min(8, rows)), tokens, null);
                runs.add(fastest(repeats, () -> sequential(m, prompts, tokens, reference)).withCores(cores));
                batched(m, prompts.subList(0, Math.min(2 * slots, rows)), tokens, slots);
                runs.add(fastest(repeats, () -> batched(m, prompts, tokens, slots)).withCores(cores));
            }
            SparkSession spark = Fixtures.spark(cores);
            try {
                KilnSparkSettings settings = KilnSparkSettings.of(ModelSource.path(model)).withTemperature(0)
                        .withMaxTokens(tokens).withSlots(slots);
                KilnSpark.register(spark, settings);
                frame(spark, prompts.subList(0, Math.min(4 * slots, rows)), cores).createOrReplaceTempView("warm");
                spark.sql("SELECT kiln_generate_result(prompt) FROM warm").collectAsList();
                KilnSpark.generateDetailed(spark.table("warm"), "prompt", "r", settings).collectAsList();

                Dataset<Row> df = frame(spark, prompts, cores).cache();
                df.count();
                df.createOrReplaceTempView("bench_rows");
                int[] differ = new int[1];
                runs.add(fastest(repeats, () -> timed("Spark Dataset API (KilnSpark.generate)", cores, rows, () -> {
                    List<Row> api = KilnSpark.generateDetailed(df, "prompt", "r", settings).select("id", "r").collectAsList();
                    differ[0] += mismatches(api, reference);
                    return generated(api);
                })));
                runs.add(fastest(repeats, () -> timed("Spark SQL (kiln_generate)", cores, rows, () -> {
                    List<Row> sql = spark.sql("SELECT id, kiln_generate_result(prompt) AS r FROM bench_rows").collectAsList();
                    differ[0] += mismatches(sql, reference);
                    return generated(sql);
                })));
                mismatches += differ[0];
            } finally {
                spark.stop();
            }
        }
        print(model, rows, tokens, slots, repeats, runs, mismatches);
    }

    private static Run fastest(int repeats, java.util.function.Supplier<Run> run) {
        Run best = null;
        for (int i = 0; i < repeats; i++) {
            Run r = run.get();
            if (best == null || r.seconds() < best.seconds()) {
                best = r;
            }
        }
        return best;
    }

    private static Dataset<Row> frame(SparkSession spark, List<String> prompts, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            rows.add(RowFactory.create((long) i, prompts.get(i)));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
        return spark.createDataFrame(rows, schema).repartition(partitions);
    }

    private static Run sequential(KilnModel m, List<String> prompts, int tokens, Map<Integer, String> texts) {
        return timed("library, one row after another (KilnModel.generate)", 0, prompts.size(), () -> {
            long generated = 0;
            for (int i = 0; i < prompts.size(); i++) {
                Completion c = m.generate(prompts.get(i), GenerateParams.greedy(tokens), t -> { });
                generated += c.generatedTokens();
                if (texts != null) {
                    texts.put(i, c.text());
                }
            }
            return generated;
        });
    }

    private static Run batched(KilnModel m, List<String> prompts, int tokens, int slots) {
        return timed("library, " + slots + " rows at once (BatchScheduler)", 0, prompts.size(), () -> {
            List<CompletableFuture<Completion>> done = new ArrayList<>();
            try (BatchScheduler s = new BatchScheduler(m, BatchOptions.of(slots).withMaxQueue(prompts.size()))) {
                for (String p : prompts) {
                    CompletableFuture<Completion> f = new CompletableFuture<>();
                    s.submit(new BatchRequest(m.tokenize(p), GenerateParams.greedy(tokens)), new BatchListener() {
                        @Override
                        public void onText(String piece) {
                        }

                        @Override
                        public void onComplete(Completion c) {
                            f.complete(c);
                        }

                        @Override
                        public void onError(KilnException e) {
                            f.completeExceptionally(e);
                        }
                    });
                    done.add(f);
                }
                long generated = 0;
                for (CompletableFuture<Completion> f : done) {
                    generated += f.join().generatedTokens();
                }
                return generated;
            }
        });
    }

    private static long generated(List<Row> rows) {
        long n = 0;
        for (Row r : rows) {
            n += r.getStruct(1).getInt(3);
        }
        return n;
    }

    private static int mismatches(List<Row> rows, Map<Integer, String> reference) {
        int n = 0;
        for (Row r : rows) {
            n += reference.get((int) r.getLong(0)).equals(r.getStruct(1).getString(0)) ? 0 : 1;
        }
        return n;
    }

    private static void print(Path model, int rows, int tokens, int slots, int repeats, List<Run> runs, int mismatches) {
        System.out.printf(Locale.ROOT, "%s, %d rows, %d tokens per row (greedy), %d slots, fastest of %d; load average %s%n%n",
                model.getFileName(), rows, tokens, slots, repeats, loadAverage());
        System.out.println("| cores | how | rows/s | generated tokens/s | CPU ms per row | Spark's overhead per row (wall / CPU) |");
        System.out.println("|---|---|---|---|---|---|");
        Map<Integer, Run> batch = new HashMap<>();
        for (Run r : runs) {
            if (r.what().contains("BatchScheduler")) {
                batch.put(r.cores(), r);
            }
        }
        for (Run r : runs) {
            Run b = batch.get(r.cores());
            String overhead = r.what().startsWith("Spark")
                    ? String.format(Locale.ROOT, "%+.2f ms / %+.2f ms", (r.seconds() - b.seconds()) * 1e3 / r.rows(),
                            (r.cpuSeconds() - b.cpuSeconds()) * 1e3 / r.rows())
                    : "";
            System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %.0f | %.2f | %s |%n", r.cores(), r.what(), r.rows() / r.seconds(),
                    r.tokens() / r.seconds(), r.cpuSeconds() * 1e3 / r.rows(), overhead);
        }
        System.out.println();
        System.out.println(mismatches == 0 ? "every Spark row equals the library's text"
                : mismatches + " Spark rows differ from the library's text");
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
