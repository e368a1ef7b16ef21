package dev.kiln.cli;

import java.io.PrintWriter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Shows the engine's warnings as the CLI's own: {@code kiln: warning: <message>}, one line on
 * stderr. Plugins and the runtime warn through {@link System.Logger} (java.util.logging here),
 * so a library user sees them in their own logging; while a command runs, the root logger's
 * handlers are replaced by one that prints WARNING and above this way.
 */
final class Warnings implements AutoCloseable {
    private static final Logger ROOT = Logger.getLogger("");

    private final Handler handler;
    private final Handler[] previous;

    private Warnings(Handler handler, Handler[] previous) {
        this.handler = handler;
        this.previous = previous;
    }

    /** Routes warnings to {@code err} until closed. */
    static Warnings to(PrintWriter err) {
        Handler[] previous = ROOT.getHandlers();
        for (Handler h : previous) {
            ROOT.removeHandler(h);
        }
        Handler handler = new OneLine(err);
        ROOT.addHandler(handler);
        return new Warnings(handler, previous);
    }

    @Override
    public void close() {
        ROOT.removeHandler(handler);
        for (Handler h : previous) {
            ROOT.addHandler(h);
        }
    }

    private static final class OneLine extends Handler {
        private final PrintWriter err;
        private final SimpleFormatter formatter = new SimpleFormatter();

        OneLine(PrintWriter err) {
            this.err = err;
            setLevel(Level.WARNING);
        }

        @Override
        public void publish(LogRecord record) {
            if (!isLoggable(record)) {
                return;
            }
            String message = formatter.formatMessage(record).replace('\n', ' ');
            synchronized (err) {
                err.println("kiln: " + (record.getLevel().intValue() >= Level.SEVERE.intValue() ? "error: " : "warning: ") + message);
                err.flush();
            }
        }

        @Override
        public void flush() {
            err.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
