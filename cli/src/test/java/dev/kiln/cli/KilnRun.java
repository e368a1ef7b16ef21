package dev.kiln.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of {@code kiln args} through {@link Main#execute}: exit status and captured output. */
record KilnRun(int status, String out, String err) {

    static KilnRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new KilnRun(status, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + status + "\n--- stdout\n" + abbreviate(out) + "\n--- stderr\n" + abbreviate(err);
    }

    private static String abbreviate(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) + "…" : s;
    }
}
