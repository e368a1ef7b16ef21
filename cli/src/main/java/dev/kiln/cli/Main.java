package dev.kiln.cli;

import com.google.inject.Guice;
import dev.kiln.api.KilnException;
import dev.kiln.runtime.OutOfMemoryMessage;
import dev.kiln.runtime.io.CheckedOutputStream;
import dev.kiln.runtime.io.MappedFileFault;
import dev.kiln.runtime.io.OutputExistsException;
import dev.kiln.runtime.io.OutputWriteException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * Entry point of the {@code kiln} command. Exit status: 0 on success, 1 on a user error (a
 * {@link KilnException}, including standard output that cannot be written, or the JVM out of
 * memory or faulting on a mapped file: one line {@code kiln: <message>} on stderr, the stack
 * trace only with {@code --verbose}), 2 on a usage error (including a value out of range).
 */
public final class Main {
    /** Exit status of a {@link KilnException}. */
    public static final int USER_ERROR = 1;
    /** Exit status of a command line picocli cannot parse. */
    public static final int USAGE_ERROR = 2;
    /** Printed when there is not even memory left to say more. */
    private static final String OUT_OF_MEMORY = "kiln: out of memory (the Java heap is full); raise it with -Xmx (in KILN_JAVA_OPTS)";

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
        // stdout's write errors end the command (a closed pipe, /dev/full); stderr's cannot be reported anywhere
        PrintWriter out = new PrintWriter(new OutputStreamWriter(
                new CheckedOutputStream(new FileOutputStream(FileDescriptor.out), "standard output"), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        int status;
        try {
            status = execute(args, out, err);
        } catch (OutOfMemoryError e) {
            // so short of memory that even the message failed: the fixed text needs no allocation
            err.println(OUT_OF_MEMORY);
            err.flush();
            status = USER_ERROR;
        }
        err.flush();
        System.exit(status);
    }

    /**
     * Runs {@code kiln args} with the given streams and returns the exit status (never exits the
     * JVM). A failed write to {@code out} (see {@link CheckedOutputStream}) is a failure, also
     * when it happens in the last flush.
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        int status;
        try (Warnings _ = Warnings.to(err)) {
            CommandLine cl = commandLine();
            cl.setOut(out);
            cl.setErr(err);
            status = cl.execute(args);
        } catch (LinkageError | VirtualMachineError e) {
            // picocli handles Exceptions only; these still end with one line and status 1
            status = fatal(e, err, false);
        }
        try {
            out.flush();
        } catch (OutputWriteException e) {
            if (status == 0) {
                err.println("kiln: " + e.getMessage());
                status = USER_ERROR;
            }
        }
        err.flush();
        return status;
    }

    /** The configured picocli command line for {@link KilnCommand}. */
    public static CommandLine commandLine() {
        // Guice's runtime class generation is not needed here and wants deep reflection; plain reflection suffices.
        if (System.getProperty("guice_bytecode_gen_option") == null) {
            System.setProperty("guice_bytecode_gen_option", "DISABLED");
        }
        KilnCommand root = new KilnCommand();
        CommandLine cl = new CommandLine(root, new GuiceFactory(Guice.createInjector(new PluginModule(root))));
        cl.getCommandSpec().exitCodeOnInvalidInput(USAGE_ERROR);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler(Main::executionError);
        cl.setExecutionStrategy(Main::run);
        return cl;
    }

    /** picocli's usual strategy; a failed write of its help or version text ends like any other. */
    private static int run(ParseResult parsed) {
        try {
            return new CommandLine.RunLast().execute(parsed);
        } catch (OutputWriteException e) {
            PrintWriter err = parsed.commandSpec().commandLine().getErr();
            err.println("kiln: " + e.getMessage());
            err.flush();
            return USER_ERROR;
        }
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
        Throwable vmError = causeOfType(e, VirtualMachineError.class);
        if (userError != null) {
            err.println("kiln: " + oneLine(userError.getMessage()) + hint(userError));
            if (verbose) {
                e.printStackTrace(err);
            }
        } else if (vmError != null) {
            return fatal(vmError, err, verbose); // e.g. thrown in a Guice provider, which wraps it
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
        return causeOfType(e, KilnException.class);
    }

    private static <T extends Throwable> T causeOfType(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** What the CLI adds to a runtime message: the option that would have allowed it. */
    private static String hint(KilnException e) {
        return e instanceof OutputExistsException ? " (--force replaces it)" : "";
    }

    /**
     * Out of memory and a fault in a mapped file are the user's situation, not a bug: one line
     * naming what ran out (and the option that raises it) or the file. Anything else is a bug.
     */
    private static int fatal(Throwable e, PrintWriter err, boolean verbose) {
        if (e instanceof OutOfMemoryError oom) {
            err.println("kiln: " + OutOfMemoryMessage.of(oom, " (in KILN_JAVA_OPTS)"));
        } else if (MappedFileFault.is(e)) {
            err.println("kiln: " + MappedFileFault.describe());
        } else {
            err.println("kiln: internal error: " + e);
            e.printStackTrace(err);
            return USER_ERROR;
        }
        if (verbose) {
            e.printStackTrace(err);
        }
        return USER_ERROR;
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
