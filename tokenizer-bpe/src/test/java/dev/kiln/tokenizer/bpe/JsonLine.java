package dev.kiln.tokenizer.bpe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Just enough JSON for one flat object per line: strings, booleans, null, numbers and arrays of integers. */
final class JsonLine {
    private final String s;
    private int pos;
    private final Map<String, Object> values = new HashMap<>();

    JsonLine(String line) {
        s = line;
        expect('{');
        skipSpace();
        if (peek() != '}') {
            do {
                skipSpace();
                String key = readString();
                skipSpace();
                expect(':');
                skipSpace();
                values.put(key, readValue());
                skipSpace();
            } while (tryConsume(','));
        }
        expect('}');
    }

    String string(String key) {
        return (String) values.get(key);
    }

    boolean bool(String key) {
        return (Boolean) values.get(key);
    }

    int[] ints(String key) {
        @SuppressWarnings("unchecked")
        List<Long> list = (List<Long>) values.get(key);
        return list.stream().mapToInt(Long::intValue).toArray();
    }

    private Object readValue() {
        char c = peek();
        if (c == '"') {
            return readString();
        }
        if (c == '[') {
            pos++;
            List<Long> list = new ArrayList<>();
            skipSpace();
            if (peek() != ']') {
                do {
                    skipSpace();
                    list.add(readNumber());
                    skipSpace();
                } while (tryConsume(','));
            }
            expect(']');
            return list;
        }
        if (s.startsWith("true", pos)) {
            pos += 4;
            return true;
        }
        if (s.startsWith("null", pos)) {
            pos += 4;
            return null;
        }
        if (s.startsWith("false", pos)) {
            pos += 5;
            return false;
        }
        return readNumber();
    }

    private long readNumber() {
        int start = pos;
        while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '-')) {
            pos++;
        }
        return Long.parseLong(s.substring(start, pos));
    }

    private String readString() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = s.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> sb.append(e);
            }
        }
    }

    private char peek() {
        return s.charAt(pos);
    }

    private boolean tryConsume(char c) {
        if (pos < s.length() && s.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (pos >= s.length() || s.charAt(pos) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at " + pos + " in " + s);
        }
        pos++;
    }

    private void skipSpace() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }
}
