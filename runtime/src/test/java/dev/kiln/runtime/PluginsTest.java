package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plugin names: a dropped-in plugin replaces the built-in of its kind and name; other clashes are refused. */
class PluginsTest {

    private static Plugin quant(String name, String module) {
        return new Plugin(PluginKind.QUANT, name, module, "/x/" + module + ".jar", new Object());
    }

    @Test
    void aDroppedInPluginReplacesTheBuiltInOfItsName() {
        Plugin builtIn = quant("Q5_0", "dev.kiln.quant.q5_0");
        Plugin other = quant("Q8_0", "dev.kiln.quant.q8_0");
        Plugin dropped = quant("q5_0", "com.example.q5_0"); // names compare case-insensitively
        Plugins plugins = new Plugins(List.of(builtIn, other), List.of(dropped), List.of());
        assertEquals(List.of(other, dropped), plugins.all());
        assertEquals(List.of(builtIn), plugins.replaced());
    }

    @Test
    void twoDroppedInPluginsOfOneNameAreRefusedNamingBoth() {
        KilnException e = assertThrows(KilnException.class, () -> new Plugins(List.of(),
                List.of(quant("Q5_0", "com.example.a"), quant("Q5_0", "com.example.b")), List.of()));
        assertTrue(e.getMessage().contains("com.example.a") && e.getMessage().contains("com.example.b"), e.getMessage());
    }

    @Test
    void twoBuiltInPluginsOfOneNameAreRefused() {
        assertThrows(KilnException.class, () -> new Plugins(List.of(quant("Q5_0", "a"), quant("Q5_0", "b"))));
    }

    @Test
    void aPluginOfAnotherKindWithTheSameNameIsNoClash() {
        Plugin tokenizer = new Plugin(PluginKind.TOKENIZER, "Q5_0", "t", "/t.jar", new Object());
        Plugins plugins = new Plugins(List.of(quant("Q5_0", "q")), List.of(tokenizer), List.of());
        assertEquals(2, plugins.all().size());
        assertTrue(plugins.replaced().isEmpty());
    }
}
