package dev.kiln.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.generate.GenerateParams;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class KilnSparkSettingsTest {

    @Test
    void the_prompt_key_is_fnv_1a_64() {
        // the published FNV-1a 64-bit test vectors
        assertEquals(0xcbf29ce484222325L, KilnSparkSettings.promptKey(""));
        assertEquals(0xaf63dc4c8601ec8cL, KilnSparkSettings.promptKey("a"));
        assertEquals(0x85944171f73967e8L, KilnSparkSettings.promptKey("foobar"));
    }

    @Test
    void a_rows_params_are_the_settings_with_its_seed_and_overrides() {
        KilnSparkSettings s = KilnSparkSettings.of(ModelSource.path("/m.gguf")).withSeed(40).withStop("\n");
        assertEquals(42L, s.rowSeed(2));
        GenerateParams p = s.params(s.rowSeed(2), null, null);
        assertEquals(KilnSparkSettings.DEFAULT_MAX_TOKENS, p.maxTokens());
        assertEquals(0.8f, p.sampling().temperature());
        assertEquals(42L, p.sampling().seed());
        assertEquals(List.of("\n"), p.stop());
        GenerateParams q = s.params(7, 5, 0.0);
        assertEquals(5, q.maxTokens());
        assertTrue(q.sampling().isGreedy());
        KilnException nan = assertThrows(KilnException.class, () -> s.params(1, null, Double.NaN));
        assertTrue(nan.getMessage().contains("temperature"), nan.getMessage());
    }

    @Test
    void settings_survive_java_serialization_as_spark_ships_them() throws IOException, ClassNotFoundException {
        KilnSparkSettings s = KilnSparkSettings.of(ModelSource.shipped("model.gguf")).withStop("a", "b").withKeyColumn("id");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(s, in.readObject());
        }
    }

    @Test
    void bad_values_are_refused_when_the_settings_are_made() {
        KilnSparkSettings s = KilnSparkSettings.of(ModelSource.path("/m.gguf"));
        assertThrows(KilnException.class, () -> s.withThreads(-1));
        assertThrows(KilnException.class, () -> s.withContextSize(-1));
        assertThrows(KilnException.class, () -> s.withTopP(2));
        assertThrows(KilnException.class, () -> s.withStop(""));
        KilnException path = assertThrows(KilnException.class, () -> ModelSource.shipped("dir/model.gguf"));
        assertTrue(path.getMessage().contains("file name alone"), path.getMessage());
        assertThrows(KilnException.class, () -> ModelSource.path(" "));
    }
}
