package dev.kiln.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.RopeTable;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.ModelWriter;
import dev.kiln.api.format.TensorInfo;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RoPE angles: base, dimension count, linear scaling and Llama 3 frequency factors, against double math. */
class RopeAnglesTest {

    @TempDir
    Path tmp;

    private static LlamaHyperParameters hp(float base, int ropeDims, float freqScale) {
        return new LlamaHyperParameters(64, 1, 2, 2, 32, 128, 2048, 1e-5f, base, ropeDims, freqScale, 10);
    }

    private static void expectAngles(RopeTable t, double base, int n, double scale, float[] factors) {
        for (int p = 0; p < t.positions(); p++) {
            for (int i = 0; i < t.pairs(); i++) {
                double angle = scale * p * Math.pow(base, -2.0 * i / n) / (factors == null ? 1 : factors[i]);
                assertEquals(Math.cos(angle), t.cos()[p * t.pairs() + i], 1e-4, "cos p=" + p + " i=" + i);
                assertEquals(Math.sin(angle), t.sin()[p * t.pairs() + i], 1e-4, "sin p=" + p + " i=" + i);
            }
        }
    }

    @Test
    void plainAngles() {
        RopeTable t = new RopeAngles(hp(10000f, 32, 1f), null).table(64);
        assertEquals(16, t.pairs());
        expectAngles(t, 10000, 32, 1, null);
        assertEquals((float) Math.cos(63), t.cos()[63 * 16], "pair 0 turns by the position itself");
    }

    @Test
    void partialRotationLinearScalingAndFrequencyFactors() {
        float[] factors = new float[8];
        for (int i = 0; i < 8; i++) {
            factors[i] = 1 + i * 0.5f;
        }
        RopeTable t = new RopeAngles(hp(500000f, 16, 0.25f), factors).table(64);
        assertEquals(8, t.pairs());
        expectAngles(t, 500000, 16, 0.25, factors);
    }

    private Path withMetadata(Map<String, MetadataValue> extra) {
        Path out = tmp.resolve("m" + extra.hashCode() + ".gguf");
        try (ModelFile src = FixtureModels.gguf().open(FixtureModels.models().resolve("stories260K.gguf"))) {
            ModelWriter w = FixtureModels.gguf().create(out);
            w.putAll(src.metadata());
            extra.forEach(w::put);
            for (TensorInfo ti : src.tensors()) {
                w.addTensor(ti.name(), ti.type(), ti.shape(), target -> target.copyFrom(src.data(ti)));
            }
            w.write();
        }
        return out;
    }

    @Test
    void scalingKeysAsLlamaCppReadsThem() {
        Path linear = withMetadata(Map.of("llama.rope.scaling.type", MetadataValue.ofString("linear"),
                "llama.rope.scaling.factor", MetadataValue.ofFloat32(4f)));
        try (ModelFile f = FixtureModels.gguf().open(linear)) {
            assertEquals(0.25f, LlamaHyperParameters.read(f).ropeFreqScale());
        }
        Path none = withMetadata(Map.of("llama.rope.scaling.type", MetadataValue.ofString("none"),
                "llama.rope.scaling.factor", MetadataValue.ofFloat32(4f)));
        try (ModelFile f = FixtureModels.gguf().open(none)) {
            assertEquals(1f, LlamaHyperParameters.read(f).ropeFreqScale());
        }
        Path yarn = withMetadata(Map.of("llama.rope.scaling.type", MetadataValue.ofString("yarn")));
        try (ModelFile f = FixtureModels.gguf().open(yarn)) {
            KilnException e = assertThrows(KilnException.class, () -> LlamaHyperParameters.read(f));
            assertTrue(e.getMessage().contains("yarn"), e.getMessage());
        }
    }
}
