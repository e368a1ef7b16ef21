package dev.kiln.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokens/s of one benchmark test over its repetitions, summarised as llama-bench and
 * {@code llamacpp-bench.mjs} do: each run's rate, their mean and sample standard deviation.
 *
 * @param tokens tokens per run
 * @param tps tokens/s of each run
 */
record ThroughputSample(int tokens, double[] tps) {

    double mean() {
        return Arrays.stream(tps).average().orElse(0);
    }

    /** Sample standard deviation (n - 1), 0 for a single run. */
    double sd() {
        if (tps.length < 2) {
            return 0;
        }
        double m = mean();
        double sum = 0;
        for (double x : tps) {
            sum += (x - m) * (x - m);
        }
        return Math.sqrt(sum / (tps.length - 1));
    }

    /** {@code {"tokens", "tps": [...], "mean", "sd"}}, rates rounded to 2 decimals like the llama.cpp script. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", tokens);
        m.put("tps", Arrays.stream(tps).map(ThroughputSample::round2).boxed().toList());
        m.put("mean", round2(mean()));
        m.put("sd", round2(sd()));
        return m;
    }

    static double round2(double x) {
        return Math.round(x * 100) / 100.0;
    }

    static ThroughputSample of(int tokens, List<Double> rates) {
        return new ThroughputSample(tokens, rates.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
