package dev.kiln.bench;

import dev.kiln.api.GgmlType;
import dev.kiln.backend.vector.VectorCompute;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@link MatvecBenchmark}'s vector matvec timed in thread CPU time instead of JMH's wall clock:
 * on the shared 2-core machine other processes' load moves wall-clock figures by ±100 % and CPU
 * time by a few percent. One type per JVM (bench/cputime.sh starts one per type, alternating),
 * so kernels of other types cannot pollute the JIT's profiles. Same matrices as the JMH
 * benchmark ({@link WeightSet}: 2048 rows, streamed from ≥ 256 MiB of copies), one thread.
 *
 * <p>Usage: {@code MatvecCpuTime TYPE COLS ROUNDS}; prints the median GB/s of weights per
 * CPU-second over ROUNDS rounds of 48 matvecs, after 400 to warm up (every copy used, so packed
 * types are packed before timing).
 */
public final class MatvecCpuTime {
    private MatvecCpuTime() {
    }

    public static void main(String[] args) {
        GgmlType type = GgmlType.valueOf(args[0]);
        int cols = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofShared(); VectorCompute vector = new VectorCompute(1)) {
            WeightSet weights = new WeightSet(type, MatvecBenchmark.ROWS, cols, arena);
            float[] x = WeightSet.activations(cols, 7);
            float[] out = new float[MatvecBenchmark.ROWS];
            for (int i = 0; i < 400; i++) {
                vector.matmul(weights.next(), x, out, 1);
            }
            List<Double> gbs = new ArrayList<>();
            double bytes = 48.0 * MatvecBenchmark.ROWS * type.byteSize(cols);
            for (int r = 0; r < rounds; r++) {
                long t0 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < 48; i++) {
                    vector.matmul(weights.next(), x, out, 1);
                }
                gbs.add(bytes / (threads.getCurrentThreadCpuTime() - t0));
            }
            Collections.sort(gbs);
            System.out.printf("%s cols %d: %.2f GB/s per CPU-second (median of %d; %.2f-%.2f)%n", type, cols,
                    gbs.get(gbs.size() / 2), rounds, gbs.get(0), gbs.get(gbs.size() - 1));
        }
    }
}
