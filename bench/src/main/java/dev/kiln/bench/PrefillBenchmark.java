package dev.kiln.bench;

import dev.kiln.api.GgmlType;
import dev.kiln.api.backend.Weights;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** Prompt-processing matrix × matrix ({@code batch} tokens at once), scalar vs vector backend. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class PrefillBenchmark {

    static final int ROWS = 2048;

    @State(Scope.Benchmark)
    public abstract static class Batch {
        @Param({"2048", "5632", "8192"})
        public int cols;
        @Param({"1"})
        public int threads;
        @Param({"0"})
        public int bits;
        @Param({"32"})
        public int batch;

        Arena arena;
        Weights weights;
        Contexts contexts;
        float[] x;
        float[] out;

        abstract GgmlType type();

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            weights = new WeightSet(type(), ROWS, cols, arena).next();
            contexts = new Contexts(threads, bits);
            x = WeightSet.activations(cols * batch, 11);
            out = new float[ROWS * batch];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            contexts.close();
            arena.close();
        }
    }

    public static class Q4_0 extends Batch {
        @Override GgmlType type() { return GgmlType.Q4_0; }
    }

    public static class Q8_0 extends Batch {
        @Override GgmlType type() { return GgmlType.Q8_0; }
    }

    @Benchmark
    public float[] matmulQ4_0Scalar(Q4_0 m) {
        m.contexts.scalar.matmul(m.weights, m.x, m.out, m.batch);
        return m.out;
    }

    @Benchmark
    public float[] matmulQ4_0Vector(Q4_0 m) {
        m.contexts.vector.matmul(m.weights, m.x, m.out, m.batch);
        return m.out;
    }

    @Benchmark
    public float[] matmulQ8_0Scalar(Q8_0 m) {
        m.contexts.scalar.matmul(m.weights, m.x, m.out, m.batch);
        return m.out;
    }

    @Benchmark
    public float[] matmulQ8_0Vector(Q8_0 m) {
        m.contexts.vector.matmul(m.weights, m.x, m.out, m.batch);
        return m.out;
    }
}
