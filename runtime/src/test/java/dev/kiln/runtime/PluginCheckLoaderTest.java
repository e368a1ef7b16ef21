package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.KilnException;
import org.junit.jupiter.api.Test;

class PluginCheckLoaderTest {
    /** runtime's own tests have neither the check-plugin module on their path nor a check-plugin/ folder beside runtime. */
    @Test
    void withoutTheKitTheErrorSaysWhereItWasLookedFor() {
        KilnException e = assertThrows(KilnException.class, PluginCheck::load);
        assertTrue(e.getMessage().startsWith("check-plugin needs the conformance kit in ")
                && e.getMessage().contains("/runtime/target/" + PluginCheckLoader.KIT_DIRECTORY), e.getMessage());
    }
}
