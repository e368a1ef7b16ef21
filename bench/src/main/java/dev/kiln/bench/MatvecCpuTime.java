package dev.kiln.bench;

import dev.kiln.api.GgmlType;
import dev.kiln.backend.vector.VectorCompute;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Token-generation matvec of several weight types on the vector backend in one JVM, timed by the
 * calling thread's CPU time (one thread: the caller does the work) in interleaved rounds, median
 * reported: steadier than JMH's wall clock when other processes share the cores. Matrices as
 * {@link MatvecBenchmark}'s (2048 rows, copies cycled through 256 MiB); every copy is used
 * several times before timing, so packed layouts are packed by then.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/classes:$(cat bench/target/classpath.txt) \
 *     dev.kiln.bench.MatvecCpuTime [-Dcols=2048] [-Drounds=9] Q4_K Q5_K Q3_K</pre>
 * (after {@code bench/run.sh} has built the classpath file). Prints GB/s of each type's own bytes
 * and its time per weight byte relative to the first type's.
 */
public final class MatvecCpuTime {

    private MatvecCpuTime() {
    }

    public static void main(String[] args) {
        int cols = Integer.getInteger("cols", 2048);
        int rounds = Integer.getInteger("rounds", 9);
        int per = Integer.getInteger("per", 32);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        float[] x = WeightSet.activations(cols, 7);
        float[] out = new float[MatvecBenchmark.ROWS];
        try (Arena arena = Arena.ofShared(); VectorCompute c = new VectorCompute(1)) {
            List<WeightSet> sets = new ArrayList<>();
            List<List<Double>> gbs = new ArrayList<>();
            for (String name : args) {
                WeightSet w = new WeightSet(GgmlType.valueOf(name), MatvecBenchmark.ROWS, cols, arena);
                for (int i = 0; i < 3 * w.size() + 200; i++) {
                    c.matmul(w.next(), x, out, 1);
                }
                sets.add(w);
                gbs.add(new ArrayList<>());
            }
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < sets.size(); k++) {
                    WeightSet w = sets.get(k);
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < per; i++) {
                        c.matmul(w.next(), x, out, 1);
                    }
                    long t1 = mx.getCurrentThreadCpuTime();
                    gbs.get(k).add((double) w.bytes() * per / (t1 - t0));
                }
            }
            double first = Double.NaN;
            for (int k = 0; k < sets.size(); k++) {
                List<Double> l = gbs.get(k);
                Collections.sort(l);
                double median = l.get(l.size() / 2);
                if (k == 0) {
                    first = median;
                }
                System.out.printf(Locale.ROOT, "%-5s cols %d: %6.2f GB/s (min %.2f, max %.2f), time per byte vs %s %.2f%n",
                        args[k], cols, median, l.get(0), l.get(l.size() - 1), args[0], first / median);
            }
        }
    }
}
