package dev.kiln.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/**
 * How many cores a Spark executor has, read from its configuration: {@code spark.executor.cores}
 * when set, else what the master URL gives each executor ({@code local[N]}, {@code local[*]},
 * {@code local-cluster[n,cores,mem]}), else the JVM's processors (the standalone default: an
 * executor takes every core of its worker). Never more than the JVM's processors.
 */
final class ExecutorCores {
    private static final Pattern LOCAL = Pattern.compile("local\\[(\\*|\\d+)(?:,\\d+)?]");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,\\s*\\d+\\s*]");

    private ExecutorCores() {
    }

    static int of(SparkConf conf) {
        return of(conf.get("spark.executor.cores", null), conf.get("spark.master", ""),
                Runtime.getRuntime().availableProcessors());
    }

    static int of(String executorCores, String master, int processors) {
        int cores = processors;
        if (executorCores != null && !executorCores.isBlank()) {
            cores = Integer.parseInt(executorCores.trim());
        } else if (master != null) {
            String m = master.trim();
            Matcher local = LOCAL.matcher(m);
            Matcher cluster = LOCAL_CLUSTER.matcher(m);
            if (m.equals("local")) {
                cores = 1;
            } else if (local.matches()) {
                cores = local.group(1).equals("*") ? processors : Integer.parseInt(local.group(1));
            } else if (cluster.matches()) {
                cores = Integer.parseInt(cluster.group(1));
            }
        }
        return Math.max(1, Math.min(cores, processors));
    }
}
