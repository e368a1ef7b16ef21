package dev.kiln.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {

    private static String feed(StopStrings s, String piece) {
        return new String(s.accept(piece.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void textBeforeTheStopStringIsPrintedAndTheStopStringIsNot() {
        StopStrings s = new StopStrings(List.of("The End"));
        StringBuilder out = new StringBuilder();
        for (String piece : List.of("And so", " it was. The", " E", "nd of", " it")) {
            out.append(feed(s, piece));
        }
        assertTrue(s.stopped());
        assertEquals("And so it was. ", out.toString());
        assertEquals("", new String(s.finish(), StandardCharsets.UTF_8));
    }

    @Test
    void aFalseStartIsReleased() {
        StopStrings s = new StopStrings(List.of("STOP"));
        assertEquals("a", feed(s, "aST"));
        assertEquals("STay", feed(s, "ay"));
        assertFalse(s.stopped());
        assertEquals(" ", feed(s, " ST"));
        assertEquals("ST", new String(s.finish(), StandardCharsets.UTF_8));
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopStrings s = new StopStrings(List.of("zz", "\n\n"));
        assertEquals("one", feed(s, "one\n\ntwo zz"));
        assertTrue(s.stopped());
    }

    @Test
    void noStopStringsPassesEverything() {
        StopStrings s = new StopStrings(List.of());
        assertEquals("anything", feed(s, "anything"));
        assertEquals("", new String(s.finish(), StandardCharsets.UTF_8));
    }
}
