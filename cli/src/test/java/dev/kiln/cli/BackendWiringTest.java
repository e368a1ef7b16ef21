package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.quant.QuantTypes;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.Plugins;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Guice wiring: commands built with the engine, backends by name, the backend chosen from the config value. */
class BackendWiringTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty("kiln.backend");
    }

    private static Injector injector() {
        return Guice.createInjector(new PluginModule(new KilnCommand()));
    }

    @Test
    void the_engine_the_plugins_and_the_backends_by_name_are_bound_once() {
        Injector injector = injector();
        Kiln engine = injector.getInstance(Kiln.class);
        assertSame(injector.getInstance(Plugins.class), engine.plugins());
        assertSame(engine, injector.getInstance(Kiln.class));
        Map<String, Backend> backends = injector.getInstance(Key.get(new TypeLiteral<Map<String, Backend>>() { }));
        assertTrue(backends.containsKey("scalar") && backends.containsKey("vector"), backends::toString);
        assertTrue(injector.getInstance(QuantTypes.class).find(dev.kiln.api.GgmlType.Q4_K).isPresent());
    }

    @Test
    void commands_get_the_engine_through_their_constructor() throws Exception {
        Injector injector = injector();
        GenerateCommand generate = new GuiceFactory(injector).create(GenerateCommand.class);
        assertTrue(generate != null);
        // the same engine instance reaches every command
        InfoCommand info = new GuiceFactory(injector).create(InfoCommand.class);
        assertTrue(info != null);
    }

    @Test
    void the_option_chooses_the_backend_and_the_model_runs_on_it() {
        Kiln engine = injector().getInstance(Kiln.class);
        assertEquals("scalar", engine.plugins().backend("scalar").name());
        try (KilnModel m = engine.open(GenerateCommandTest.STORIES, ModelOptions.defaults().withBackend("scalar").withThreads(2))) {
            assertEquals("scalar", m.backendName());
            assertEquals(2, m.threads());
        }
    }

    @Test
    void the_system_property_is_read_when_no_option_is_given() {
        System.setProperty("kiln.backend", "scalar");
        assertEquals("scalar", injector().getInstance(Kiln.class).plugins().backend(null).name());
    }

    @Test
    void an_unknown_backend_fails_with_the_known_ones() {
        Kiln engine = injector().getInstance(Kiln.class);
        KilnException e = assertThrows(KilnException.class, () -> engine.plugins().backend("quantum"));
        assertTrue(e.getMessage().contains("unknown backend 'quantum'") && e.getMessage().contains("scalar"), e.getMessage());
    }
}
