package dev.kiln.format.gguf;

import dev.kiln.api.format.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A little-endian read position in a mapped GGUF file. Every read checks that its bytes lie
 * inside the file first, so a truncated or lying header becomes a {@link ModelFormatException}
 * at the offset of the field, never an IndexOutOfBounds.
 */
final class HeaderCursor {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Java strings and arrays cannot be longer than this. */
    static final long MAX_JAVA_LENGTH = Integer.MAX_VALUE - 8;

    private final Path file;
    private final MemorySegment bytes;
    private final long size;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private long position;

    HeaderCursor(Path file, MemorySegment bytes) {
        this.file = file;
        this.bytes = bytes;
        this.size = bytes.byteSize();
    }

    long position() {
        return position;
    }

    long remaining() {
        return size - position;
    }

    long size() {
        return size;
    }

    ModelFormatException error(long offset, String problem) {
        return new ModelFormatException(file, offset, problem);
    }

    /** Fails unless {@code n} more bytes exist; {@code what} names the field being read. */
    void require(long n, String what) {
        if (n < 0 || n > size - position) {
            throw error(position, "truncated: " + what + " needs " + (n < 0 ? Long.toUnsignedString(n) : n)
                    + " bytes but the file ends at byte " + size);
        }
    }

    int u8(String what) {
        require(1, what);
        return bytes.get(ValueLayout.JAVA_BYTE, position++) & 0xFF;
    }

    int u16(String what) {
        require(2, what);
        int v = bytes.get(U16, position) & 0xFFFF;
        position += 2;
        return v;
    }

    /** A uint32 widened to long. */
    long u32(String what) {
        require(4, what);
        long v = bytes.get(U32, position) & 0xFFFF_FFFFL;
        position += 4;
        return v;
    }

    /** A uint64 as raw bits. */
    long u64(String what) {
        require(8, what);
        long v = bytes.get(U64, position);
        position += 8;
        return v;
    }

    float f32(String what) {
        require(4, what);
        float v = bytes.get(F32, position);
        position += 4;
        return v;
    }

    double f64(String what) {
        require(8, what);
        double v = bytes.get(F64, position);
        position += 8;
        return v;
    }

    /** A GGUF string: uint64 byte length then strict UTF-8 bytes. */
    String string(String what) {
        long start = position;
        long length = u64(what + " length");
        if (length < 0 || length > remaining()) {
            throw error(start, what + " length " + Long.toUnsignedString(length) + " runs past the end of the file (byte "
                    + size + ")");
        }
        if (length > MAX_JAVA_LENGTH) {
            throw error(start, what + " length " + length + " is too long for a string");
        }
        int n = (int) length;
        if (n == 0) {
            return "";
        }
        byte[] raw = new byte[n];
        MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, position, raw, 0, n);
        String s = isAscii(raw) ? new String(raw, StandardCharsets.ISO_8859_1) : decodeUtf8(raw, start, what);
        position += n;
        return s;
    }

    private String decodeUtf8(byte[] raw, long start, String what) {
        ByteBuffer in = ByteBuffer.wrap(raw);
        try {
            return utf8.reset().decode(in).toString();
        } catch (CharacterCodingException e) {
            throw error(start + 8 + in.position(), what + " is not valid UTF-8");
        }
    }

    private static boolean isAscii(byte[] raw) {
        for (byte b : raw) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** Moves to {@code offset} (must be inside or at the end of the file). */
    void seek(long offset) {
        position = offset;
    }
}
