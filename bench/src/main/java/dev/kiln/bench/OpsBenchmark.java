package dev.kiln.bench;

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

/** The non-matmul ops of one TinyLlama-shaped decode step, scalar vs vector backend. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class OpsBenchmark {

    @State(Scope.Benchmark)
    public static class Data {
        @Param({"1"})
        public int threads;
        /** Attention context length (position of the query). */
        @Param({"512"})
        public int position;

        Contexts contexts;
        float[] x;
        float[] weight;
        float[] out;
        float[] gate;
        float[] up;
        float[] q;
        float[] keys;
        float[] values;
        float[] attn;

        @Setup(Level.Trial)
        public void setUp() {
            contexts = new Contexts(threads, 0);
            x = WeightSet.activations(2048, 1);
            weight = WeightSet.activations(2048, 2);
            out = new float[2048];
            gate = WeightSet.activations(5632, 3);
            up = WeightSet.activations(5632, 4);
            q = WeightSet.activations(32 * 64, 5);
            keys = WeightSet.activations((position + 1) * 4 * 64, 6);
            values = WeightSet.activations((position + 1) * 4 * 64, 7);
            attn = new float[32 * 64];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            contexts.close();
        }
    }

    @Benchmark
    public float[] rmsNormScalar(Data d) {
        d.contexts.scalar.rmsNorm(d.x, d.weight, 1e-5f, d.out, 2048, 1);
        return d.out;
    }

    @Benchmark
    public float[] rmsNormVector(Data d) {
        d.contexts.vector.rmsNorm(d.x, d.weight, 1e-5f, d.out, 2048, 1);
        return d.out;
    }

    @Benchmark
    public float[] siluMulScalar(Data d) {
        System.arraycopy(d.up, 0, d.gate, 0, 5632); // keep values bounded across calls
        d.contexts.scalar.siluMul(d.gate, d.up, 5632);
        return d.gate;
    }

    @Benchmark
    public float[] siluMulVector(Data d) {
        System.arraycopy(d.up, 0, d.gate, 0, 5632);
        d.contexts.vector.siluMul(d.gate, d.up, 5632);
        return d.gate;
    }

    @Benchmark
    public float[] attentionScalar(Data d) {
        d.contexts.scalar.attention(d.q, d.keys, d.values, d.attn, 1, d.position, 32, 4, 64, 0.125f);
        return d.attn;
    }

    @Benchmark
    public float[] attentionVector(Data d) {
        d.contexts.vector.attention(d.q, d.keys, d.values, d.attn, 1, d.position, 32, 4, 64, 0.125f);
        return d.attn;
    }
}
