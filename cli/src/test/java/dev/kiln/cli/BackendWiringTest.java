package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Key;
import com.google.inject.ProvisionException;
import com.google.inject.TypeLiteral;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.quant.QuantType;
import dev.kiln.api.quant.QuantTypes;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Guice wiring: plugin sets, backends by name, and the backend chosen from the config value. */
class BackendWiringTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty("kiln.backend");
    }

    private static ComputeOptions options(String backend, int threads) {
        ComputeOptions o = new ComputeOptions();
        o.backend = backend;
        o.threads = threads;
        return o;
    }

    @Test
    void plugins_are_bound_as_sets_and_backends_by_name() {
        KilnCommand kiln = new KilnCommand();
        Set<QuantType> quants = kiln.injector().getInstance(Key.get(new TypeLiteral<Set<QuantType>>() { }));
        assertTrue(quants.stream().anyMatch(q -> q.name().equals("Q8_0")), quants::toString);
        Map<String, Backend> backends = kiln.injector().getInstance(Key.get(new TypeLiteral<Map<String, Backend>>() { }));
        assertTrue(backends.containsKey("scalar"), backends::toString);
        assertTrue(kiln.injector().getInstance(QuantTypes.class).find(dev.kiln.api.GgmlType.Q4_K).isPresent());
    }

    @Test
    void the_option_chooses_the_backend_and_compute_runs_on_it() {
        KilnCommand kiln = new KilnCommand();
        var injector = kiln.injector(options("scalar", 2));
        assertEquals("scalar", injector.getInstance(Backend.class).name());
        try (Compute c = injector.getInstance(Compute.class)) {
            assertEquals("scalar", c.backendName());
            assertEquals(2, c.threads());
        }
    }

    @Test
    void the_system_property_is_read_when_no_option_is_given() {
        System.setProperty("kiln.backend", "scalar");
        assertEquals("scalar", new KilnCommand().injector(options(null, 1)).getInstance(Backend.class).name());
    }

    @Test
    void an_unknown_backend_fails_with_the_known_ones() {
        var injector = new KilnCommand().injector(options("quantum", 1));
        ProvisionException e = assertThrows(ProvisionException.class, () -> injector.getInstance(Backend.class));
        Throwable cause = e.getCause();
        assertTrue(cause instanceof dev.kiln.api.KilnException, String.valueOf(cause));
        assertTrue(cause.getMessage().contains("unknown backend 'quantum'") && cause.getMessage().contains("scalar"),
                cause.getMessage());
    }
}
