package dev.kiln.api;

/**
 * A problem with what the user gave Kiln (a file, a name, an option), reported as one clear
 * message. The CLI prints {@link #getMessage()} on one line and exits with status 1.
 *
 * <p>Messages quote names taken from files and requests, so the message is made one line here:
 * control characters (line breaks, terminal escape codes) and Unicode line separators are
 * spelled out as {@code \n}, {@code \r}, {@code \t} or {@code \}{@code uXXXX}.
 */
public class KilnException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KilnException(String message) {
        super(oneLine(message));
    }

    public KilnException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    private static String oneLine(String message) {
        if (message == null || message.chars().noneMatch(KilnException::breaksLine)) {
            return message;
        }
        StringBuilder sb = new StringBuilder(message.length() + 16);
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (breaksLine(c)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static boolean breaksLine(int c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }
}
