package dev.kiln.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8StreamTest {

    /** Feeds {@code text}'s bytes one at a time and checks every emitted chunk is whole UTF-8. */
    private static String streamBytewise(String text) throws CharacterCodingException {
        Utf8Stream s = new Utf8Stream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            byte[] chunk = s.accept(new byte[] {b});
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(chunk)); // throws on half a character
            all.writeBytes(chunk);
        }
        all.writeBytes(s.finish());
        return all.toString(StandardCharsets.UTF_8);
    }

    @Test
    void multiByteCharactersSplitOverPiecesAreHeldUntilComplete() throws Exception {
        String text = "a é 中文 😀 z\u0301";
        assertEquals(text, streamBytewise(text));
    }

    @Test
    void aSplitCharacterComesOutWithItsLastByte() {
        Utf8Stream s = new Utf8Stream();
        // 中 = E4 B8 AD, as three byte-fallback tokens
        assertArrayEquals(new byte[0], s.accept(new byte[] {(byte) 0xE4}));
        assertArrayEquals(new byte[0], s.accept(new byte[] {(byte) 0xB8}));
        assertArrayEquals(new byte[] {(byte) 0xE4, (byte) 0xB8, (byte) 0xAD}, s.accept(new byte[] {(byte) 0xAD}));
        // a piece that completes one character and starts the next
        assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), s.accept(new byte[] {'x', (byte) 0xC3}));
        assertArrayEquals(new byte[] {(byte) 0xC3, (byte) 0xA9, '!'}, s.accept(new byte[] {(byte) 0xA9, '!'}));
    }

    @Test
    void anUnfinishedCharacterAtTheEndBecomesAReplacementCharacter() {
        Utf8Stream s = new Utf8Stream();
        assertArrayEquals("ok".getBytes(StandardCharsets.UTF_8), s.accept(new byte[] {'o', 'k', (byte) 0xF0, (byte) 0x9F}));
        assertArrayEquals("\uFFFD".getBytes(StandardCharsets.UTF_8), s.finish());
        assertArrayEquals(new byte[0], s.finish());
    }

    @Test
    void bytesThatCanNeverFormACharacterPassThrough() {
        Utf8Stream s = new Utf8Stream();
        assertArrayEquals(new byte[] {(byte) 0xFF}, s.accept(new byte[] {(byte) 0xFF}));
        assertArrayEquals(new byte[] {(byte) 0x80}, s.accept(new byte[] {(byte) 0x80}));
        assertArrayEquals(new byte[] {(byte) 0xC0}, s.accept(new byte[] {(byte) 0xC0}));
    }
}
