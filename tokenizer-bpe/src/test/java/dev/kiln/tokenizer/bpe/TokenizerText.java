package dev.kiln.tokenizer.bpe;

/** Readable test names for arbitrary text. */
final class TokenizerText {
    private TokenizerText() {
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().limit(80).forEach(cp -> {
            switch (cp) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (cp < 0x20 || cp == 0x7F) {
                        sb.append(String.format("\\u%04X", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                }
            }
        });
        return sb.append(s.codePointCount(0, s.length()) > 80 ? "...\"" : "\"").toString();
    }
}
