package dev.kiln.runtime.generate;

import java.io.ByteArrayOutputStream;

/**
 * Turns a stream of token pieces (arbitrary byte chunks) into chunks that never end inside a
 * UTF-8 character: a multi-byte character split across tokens (byte-fallback {@code <0xE4>},
 * {@code <0xB8>}, …) is held back until its last byte arrives. Bytes that can never form a
 * character are passed through as they are; an unfinished character at the very end becomes
 * U+FFFD.
 */
public final class Utf8Stream {
    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};
    private byte[] pending = new byte[0];

    /** Adds {@code piece} and returns the bytes that are now safe to print (possibly none). */
    public byte[] accept(byte[] piece) {
        byte[] all = concat(pending, piece);
        int complete = completePrefix(all);
        pending = java.util.Arrays.copyOfRange(all, complete, all.length);
        return complete == all.length ? all : java.util.Arrays.copyOf(all, complete);
    }

    /** Whether bytes are being held back. */
    public boolean hasPending() {
        return pending.length > 0;
    }

    /** Ends the stream: returns U+FFFD for an unfinished character, else nothing. */
    public byte[] finish() {
        byte[] out = pending.length > 0 ? REPLACEMENT.clone() : new byte[0];
        pending = new byte[0];
        return out;
    }

    /**
     * Length of the longest prefix of {@code b} that does not end inside a character: only a
     * well-formed lead byte near the end whose continuation bytes have not all arrived is held.
     */
    static int completePrefix(byte[] b) {
        int n = b.length;
        // a character is at most 4 bytes: look back at most 3 bytes for its lead byte
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) {
                continue; // continuation byte: keep looking for the lead
            }
            int need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? (c <= 0xEF ? 3 : 0) : c >= 0xC2 ? 2 : 0;
            return need > back ? n - back : n;
        }
        return n;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
