package dev.kiln.runtime;

import java.util.Locale;

/**
 * One line for an {@link OutOfMemoryError}: what ran out, and which JVM option raises it. The
 * JVM's own text ("Java heap space", "Direct buffer memory", "Metaspace", "unable to create
 * native thread") says which pool it was.
 */
public final class OutOfMemoryMessage {

    private OutOfMemoryMessage() {
    }

    /**
     * @param e the error
     * @param where how the user passes JVM options, appended to the option's name (e.g. {@code " in KILN_JAVA_OPTS"}), or empty
     */
    public static String of(OutOfMemoryError e, String where) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.contains("native thread")) {
            return "out of memory: the system refused another thread (" + m + "); use fewer threads (-t) or raise the process limit (ulimit -u)";
        }
        if (lower.contains("direct buffer memory")) {
            return "out of memory: direct buffer memory is used up (" + m + "); raise it with -XX:MaxDirectMemorySize" + where;
        }
        if (lower.contains("metaspace")) {
            return "out of memory: class metadata space is used up (" + m + "); raise it with -XX:MaxMetaspaceSize" + where;
        }
        if (lower.contains("compressed class space")) {
            return "out of memory: compressed class space is used up; raise it with -XX:CompressedClassSpaceSize" + where;
        }
        if (lower.contains("unable to allocate") || lower.contains("cannot reserve")) {
            return "out of memory: the system has no memory left for a native allocation (" + m
                    + "); free memory, or use a smaller model or context";
        }
        return "out of memory: the Java heap (at most " + Runtime.getRuntime().maxMemory() / (1 << 20)
                + " MiB) is full" + (m.isEmpty() || m.equals("Java heap space") ? "" : " (" + m + ")")
                + "; raise it with -Xmx" + where + ", or use a smaller context (-c)";
    }
}
