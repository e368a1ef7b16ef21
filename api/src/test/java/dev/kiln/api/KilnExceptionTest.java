package dev.kiln.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class KilnExceptionTest {
    @Test
    void messageIsOneLineWhateverItQuotes() {
        assertEquals("key 'a\\nb\\r\\tc\\u001b[31m\\u0085\\u2028' is bad",
                new KilnException("key 'a\nb\r\tc\u001b[31m\u0085\u2028' is bad").getMessage());
    }

    @Test
    void plainMessageIsKept() {
        String message = "file.gguf at byte 12: tensor 'ünï' is bad";
        assertEquals(message, new KilnException(message, new RuntimeException()).getMessage());
    }
}
