package dev.kiln.cli;

import dev.kiln.api.KilnException;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Entry point of the {@code kiln} command. Exit status: 0 on success, 1 on a user error (a
 * {@link KilnException}: one line {@code kiln: <message>} on stderr, the stack trace only with
 * {@code --verbose}), 2 on a usage error.
 */
public final class Main {
    /** Exit status of a {@link KilnException}. */
    public static final int USER_ERROR = 1;
    /** Exit status of a command line picocli cannot parse. */
    public static final int USAGE_ERROR = 2;

    static {
        // library warnings (System.Logger, through java.util.logging) as one line, like the CLI's own
        // messages; read when the first handler is made, so set before anything logs
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "kiln: %4$s: %5$s%6$s%n");
        }
    }

    /*
     * Guice's bundled ASM cannot read Java 25 class files; when Guice formats an error message it
     * tries, fails and logs a WARNING with a stack trace before the real message. The error itself
     * still reaches the user as one line; only that log noise is dropped. Held in a field because
     * java.util.logging keeps loggers weakly.
     */
    private static final java.util.logging.Logger GUICE_LOG = java.util.logging.Logger.getLogger("com.google.inject");

    static {
        GUICE_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        int status = execute(args, out, err);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /** Runs {@code kiln args} with the given streams and returns the exit status (never exits the JVM). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } catch (LinkageError | VirtualMachineError e) {
            // picocli handles Exceptions only; a broken installation must still end with a message and status 1
            err.println("kiln: internal error: " + e);
            e.printStackTrace(err);
            return USER_ERROR;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The configured picocli command line for {@link KilnCommand}. */
    public static CommandLine commandLine() {
        // Guice's runtime class generation is not needed here and wants deep reflection; plain reflection suffices.
        if (System.getProperty("guice_bytecode_gen_option") == null) {
            System.setProperty("guice_bytecode_gen_option", "DISABLED");
        }
        CommandLine cl = new CommandLine(new KilnCommand());
        cl.getCommandSpec().exitCodeOnInvalidInput(USAGE_ERROR);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler(Main::executionError);
        return cl;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("kiln: " + e.getMessage());
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return USAGE_ERROR;
    }

    private static int executionError(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean verbose = verbose(parsed);
        KilnException userError = userError(e);
        if (userError != null) {
            err.println("kiln: " + oneLine(userError.getMessage()));
            if (verbose) {
                e.printStackTrace(err);
            }
        } else {
            // not the user's fault: a bug, so show where it happened
            err.println("kiln: internal error: " + e);
            e.printStackTrace(err);
        }
        err.flush();
        return USER_ERROR;
    }

    /** The KilnException behind {@code e} (Guice and others wrap what providers throw), or null. */
    private static KilnException userError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KilnException k) {
                return k;
            }
        }
        return null;
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.replace('\n', ' ').replace('\r', ' ');
    }
}
