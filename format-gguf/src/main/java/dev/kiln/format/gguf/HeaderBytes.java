package dev.kiln.format.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable little-endian byte buffer for serializing a GGUF header. */
final class HeaderBytes {
    private final CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] bytes = new byte[4096];
    private int size;

    int size() {
        return size;
    }

    byte[] array() {
        return bytes;
    }

    private ByteBuffer room(int n) {
        if (bytes.length - size < n) {
            long want = Math.max((long) bytes.length * 2, (long) size + n);
            if (want > HeaderCursor.MAX_JAVA_LENGTH) {
                throw new IllegalStateException("GGUF header larger than 2 GiB");
            }
            bytes = Arrays.copyOf(bytes, (int) want);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, size, n).order(ByteOrder.LITTLE_ENDIAN);
        size += n;
        return b;
    }

    void u8(int v) {
        room(1).put((byte) v);
    }

    void u16(int v) {
        room(2).putShort((short) v);
    }

    void u32(long v) {
        room(4).putInt((int) v);
    }

    void u64(long v) {
        room(8).putLong(v);
    }

    void f32(float v) {
        room(4).putFloat(v);
    }

    void f64(double v) {
        room(8).putDouble(v);
    }

    /**
     * A GGUF string (uint64 length + UTF-8 bytes).
     *
     * @throws CharacterCodingException if {@code s} holds an unpaired surrogate
     */
    void string(String s) throws CharacterCodingException {
        ByteBuffer encoded = utf8.reset().encode(CharBuffer.wrap(s));
        int n = encoded.remaining();
        u64(n);
        room(n).put(encoded);
    }
}
