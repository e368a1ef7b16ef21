package dev.kiln.bench;

import dev.kiln.api.GgmlType;
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

/**
 * Token-generation matrix × vector, scalar vs vector backend, per weight type: a {@link #ROWS}
 * × {@code cols} matrix (row sizes 2048, 5632, 8192 as in 1B-class models), streamed from
 * memory. bench/run.sh turns ops/s into GB/s of weights and GFLOP/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class MatvecBenchmark {

    static final int ROWS = 2048;

    /** One weight type's matrices plus both compute contexts. */
    @State(Scope.Benchmark)
    public abstract static class Matrix {
        @Param({"2048", "5632", "8192"})
        public int cols;
        @Param({"1"})
        public int threads;
        /** Vector width in bits; 0 = the machine's preferred. */
        @Param({"0"})
        public int bits;

        Arena arena;
        WeightSet weights;
        Contexts contexts;
        float[] x;
        float[] out;

        abstract GgmlType type();

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            weights = new WeightSet(type(), ROWS, cols, arena);
            contexts = new Contexts(threads, bits);
            x = WeightSet.activations(cols, 7);
            out = new float[ROWS];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            contexts.close();
            arena.close();
        }
    }

    public static class F32 extends Matrix {
        @Override GgmlType type() { return GgmlType.F32; }
    }

    public static class F16 extends Matrix {
        @Override GgmlType type() { return GgmlType.F16; }
    }

    public static class Q4_0 extends Matrix {
        @Override GgmlType type() { return GgmlType.Q4_0; }
    }

    public static class Q8_0 extends Matrix {
        @Override GgmlType type() { return GgmlType.Q8_0; }
    }

    public static class Q4_K extends Matrix {
        @Override GgmlType type() { return GgmlType.Q4_K; }
    }

    public static class Q6_K extends Matrix {
        @Override GgmlType type() { return GgmlType.Q6_K; }
    }

    public static class Q5_K extends Matrix {
        @Override GgmlType type() { return GgmlType.Q5_K; }
    }

    public static class Q3_K extends Matrix {
        @Override GgmlType type() { return GgmlType.Q3_K; }
    }

    public static class Q2_K extends Matrix {
        @Override GgmlType type() { return GgmlType.Q2_K; }
    }

    @Benchmark
    public float[] matvecF32Scalar(F32 m) {
        m.contexts.scalar.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecF32Vector(F32 m) {
        m.contexts.vector.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecF16Scalar(F16 m) {
        m.contexts.scalar.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecF16Vector(F16 m) {
        m.contexts.vector.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ4_0Scalar(Q4_0 m) {
        m.contexts.scalar.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ4_0Vector(Q4_0 m) {
        m.contexts.vector.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ8_0Scalar(Q8_0 m) {
        m.contexts.scalar.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ8_0Vector(Q8_0 m) {
        m.contexts.vector.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ4_KScalar(Q4_K m) {
        m.contexts.scalar.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ4_KVector(Q4_K m) {
        m.contexts.vector.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ6_KScalar(Q6_K m) {
        m.contexts.scalar.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ6_KVector(Q6_K m) {
        m.contexts.vector.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ5_KScalar(Q5_K m) {
        m.contexts.scalar.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ5_KVector(Q5_K m) {
        m.contexts.vector.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ3_KScalar(Q3_K m) {
        m.contexts.scalar.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ3_KVector(Q3_K m) {
        m.contexts.vector.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ2_KScalar(Q2_K m) {
        m.contexts.scalar.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }

    @Benchmark
    public float[] matvecQ2_KVector(Q2_K m) {
        m.contexts.vector.matmul(m.weights.next(), m.x, m.out, 1);
        return m.out;
    }
}
