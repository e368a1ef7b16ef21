package dev.kiln.api;

/**
 * A problem with what the user gave Kiln (a file, a name, an option), reported as one clear
 * message. The CLI prints {@link #getMessage()} on one line and exits with status 1.
 */
public class KilnException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KilnException(String message) {
        super(message);
    }

    public KilnException(String message, Throwable cause) {
        super(message, cause);
    }
}
