package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's findings that involve the launcher, the JVM or the operating system, reproduced with
 * the real {@code ./kiln} as a user runs it: the JVM's own warnings on stdout, {@code /dev/full}
 * and closed pipes, signals during a write, out of memory, a model truncated while in use, a
 * disk filling up. Runs after {@code package} (failsafe), against the jars just built.
 */
class LauncherIT {
    private static final Path HOME = Path.of(System.getProperty("kiln.home", "..")).toAbsolutePath().normalize();
    private static final Path KILN = HOME.resolve("kiln");
    private static final Path STORIES = HOME.resolve("fixtures/models/stories260K.gguf");
    private static final long TIMEOUT_SECONDS = 300;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    /** What a run left: exit status (128 + signal if killed), stdout, stderr. */
    private record Run(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout\n" + cut(out) + "\n--- stderr\n" + cut(err);
        }

        private static String cut(String s) {
            return s.length() > 3000 ? s.substring(0, 3000) + "…" : s;
        }
    }

    @BeforeAll
    static void useTheBuildAsItIs() throws IOException {
        // package has just built cli/target/modules: mark it fresh, as run-tests does after install,
        // so the launcher never starts a build of its own (KILN_NO_BUILD=1 makes that an error)
        Path marker = HOME.resolve("cli/target/modules/.built");
        assertTrue(Files.isDirectory(marker.getParent()), "run after package: " + marker.getParent());
        if (!Files.exists(marker)) {
            Files.createFile(marker);
        }
        Files.setLastModifiedTime(marker, FileTime.from(Instant.now()));
    }

    /** Runs {@code script} in bash with $KILN, $STORIES and $DIR set, in {@code dir}. */
    private Run sh(String script, String... env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(dir.toFile());
        pb.environment().putAll(environment(env));
        Path out = dir.resolve(".stdout");
        Path err = dir.resolve(".stderr");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        int status = waitFor(p);
        return new Run(status, Files.readString(out), Files.readString(err));
    }

    private Map<String, String> environment(String... env) {
        Map<String, String> m = new HashMap<>();
        m.put("KILN", KILN.toString());
        m.put("STORIES", STORIES.toString());
        m.put("DIR", dir.toString());
        m.put("KILN_NO_BUILD", "1");
        m.remove("KILN_JAVA_OPTS");
        for (int i = 0; i + 1 < env.length; i += 2) {
            m.put(env[i], env[i + 1]);
        }
        return m;
    }

    private static int waitFor(Process p) throws InterruptedException {
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("did not finish in " + TIMEOUT_SECONDS + " s");
        }
        return p.exitValue();
    }

    /** Finding 5: with KILN_JAVA_OPTS=-Xmx16m the JVM printed two [gc,ergo] warnings on stdout. */
    @Test
    void stdout_carries_only_the_output_whatever_the_jvm_options() throws Exception {
        Run json = sh("\"$KILN\" info -m \"$STORIES\" --json", "KILN_JAVA_OPTS", "-Xmx16m");
        assertEquals(0, json.status(), json::toString);
        assertEquals("llama", new ObjectMapper().readTree(json.out()).get("metadata").get("general.architecture").asText(),
                "stdout is one JSON object");

        String greedy = "\"$KILN\" generate -m \"$STORIES\" -p 'Once upon a time' -n 16 --temp 0 --backend scalar";
        Run plain = sh(greedy);
        assertEquals(0, plain.status(), plain::toString);
        for (String opts : List.of("-Xmx16m", "-Xms8m -Xlog:gc -verbose:gc -Xlog:gc*::uptime")) {
            Run run = sh(greedy, "KILN_JAVA_OPTS", opts);
            assertEquals(0, run.status(), opts + ": " + run);
            assertEquals(plain.out(), run.out(), opts + ": stdout is the generated text only");
            assertFalse(run.err().contains("gc,ergo"), opts + ": the heap options do not fight: " + run);
            assertFalse(run.err().contains("Using incubator modules"), opts + ": the launcher still drops that warning: " + run);
        }
        Run logged = sh(greedy, "KILN_JAVA_OPTS", "-Xlog:gc");
        assertTrue(logged.err().contains("[gc]"), "-Xlog output goes to stderr: " + logged);
    }

    /** Finding 4: generate, tokenize, info --json and plugins writing to /dev/full or a closed stdout exited 0. */
    @Test
    void a_stdout_that_cannot_be_written_fails_the_command() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/full")), "no /dev/full");
        for (String command : List.of(
                "generate -m \"$STORIES\" -p Once -n 8 --temp 0",
                "tokenize -m \"$STORIES\" 'Once upon a time'",
                "info -m \"$STORIES\" --json",
                "plugins")) {
            Run full = sh("\"$KILN\" " + command + " > /dev/full");
            assertEquals(1, full.status(), command + ": " + full);
            assertTrue(full.err().endsWith("kiln: cannot write to standard output: no space left on device\n"), command + ": " + full);
        }
        Run closed = sh("\"$KILN\" tokenize -m \"$STORIES\" Once >&-");
        assertEquals(1, closed.status(), closed::toString);
        assertTrue(closed.err().endsWith("kiln: cannot write to standard output: bad file descriptor\n"), closed::toString);
    }

    /** Finding 8: "generate -n -1 | head -c 10" kept generating to the end of the context, exit 0. */
    @Test
    void a_closed_pipe_stops_generation_at_once() throws Exception {
        Run run = sh("\"$KILN\" generate -m \"$STORIES\" -p 'Once upon a time' -n -1 --temp 0 2> \"$DIR/err\" | head -c 10;"
                + " status=${PIPESTATUS[0]}; cat \"$DIR/err\" >&2; exit $status");
        assertEquals(10, run.out().length(), run::toString);
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().endsWith("kiln: cannot write to standard output: broken pipe\n"), run::toString);
        assertFalse(run.err().contains("generated"), "it stopped; it did not finish the generation: " + run);
    }

    /** Finding 6: SIGINT/SIGTERM during quantize left a hidden, full-size, loadable .OUT.<n>.tmp. */
    @Test
    void sigint_to_the_terminal_group_during_quantize_leaves_no_partial_file() throws Exception {
        assumeTrue(hasTool("setsid true") && hasTool("env --default-signal=INT true"), "needs setsid and env --default-signal");
        Path input = f32Model();
        Path out = dir.resolve("out.gguf");
        // as from a terminal: its own process group, default signal handling, Ctrl-C to the whole group
        Process p = start(List.of("setsid", "env", "--default-signal=INT,QUIT,TERM", KILN.toString(), "quantize",
                input.toString(), out.toString(), "Q4_K", "-t", "1"));
        String group = "-" + p.pid();
        Path partial = awaitPartialFile(out);
        signal("STOP", group);
        boolean midWrite = Files.exists(partial) && !Files.exists(out);
        signal("INT", group);
        signal("CONT", group);
        int status = waitFor(p);
        assertTrue(midWrite, "the signal came while the model was being written");
        assertEquals(130, status, "ended by SIGINT");
        assertEquals(List.of(), list(dir), "no partial file and no output left");
    }

    /** Finding 6: the same with SIGTERM sent to the launcher's process only (kill PID), during synth. */
    @Test
    void sigterm_to_the_launcher_during_synth_stops_java_and_leaves_no_partial_file() throws Exception {
        Path out = dir.resolve("synth.gguf");
        Process p = start(List.of(KILN.toString(), "synth", "--shape", "small", "--type", "Q4_K", "-t", "1", "-o", out.toString()));
        awaitPartialFile(out);
        List<ProcessHandle> java = p.descendants().filter(h -> h.info().command().orElse("").endsWith("java")).toList();
        assertFalse(java.isEmpty(), "java runs under the launcher");
        p.destroy(); // SIGTERM to the launcher alone
        assertEquals(143, waitFor(p), "ended by SIGTERM");
        assertTrue(java.stream().noneMatch(ProcessHandle::isAlive), "java stopped with it");
        assertEquals(List.of(), list(dir), "no partial file and no output left");
    }

    /**
     * Finding 7: out of memory printed "internal error: java.lang.OutOfMemoryError" and a stack trace (twice
     * the first line at -Xmx5m). 4 MiB: below about 3 MiB the JVM fails while it boots, before any Kiln code.
     */
    @Test
    void out_of_memory_is_one_line_naming_the_option() throws Exception {
        Run run = sh("\"$KILN\" generate -m \"$STORIES\" -p Once -n 4", "KILN_JAVA_OPTS", "-Xmx4m");
        assertEquals(1, run.status(), run::toString);
        assertEquals(1, run.err().lines().count(), run::toString);
        // the detailed line ("the Java heap (at most N MiB) is full") or, when even building it ran out,
        // the fixed one: both one line naming the option
        assertTrue(run.err().startsWith("kiln: out of memory") && run.err().contains("-Xmx (in KILN_JAVA_OPTS)"),
                run::toString);
    }

    /** Finding 7: a model truncated while in use printed "InternalError: a fault occurred in an unsafe memory access operation" and a trace. */
    @Test
    void a_model_truncated_while_in_use_is_named_in_one_line() throws Exception {
        Path model = Files.copy(STORIES, dir.resolve("model.gguf"));
        ProcessBuilder pb = new ProcessBuilder(KILN.toString(), "chat", "-m", model.toString(), "--chat-template", "chatml",
                "--backend", "scalar", "-n", "16", "--temp", "0").directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(environment());
        Process p = pb.start();
        StringBuilder err = new StringBuilder();
        InputStream stderr = p.getErrorStream();
        byte[] buf = new byte[4096];
        while (!err.toString().contains("chat template")) { // loaded: its weights are mapped
            int n = stderr.read(buf);
            assertTrue(n > 0, "chat ended early: " + err);
            err.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        try (FileChannel ch = FileChannel.open(model, StandardOpenOption.WRITE)) {
            ch.truncate(4096); // someone rewrites the model while Kiln uses it
        }
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write("Hello\n".getBytes(StandardCharsets.UTF_8));
        }
        err.append(new String(stderr.readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(1, waitFor(p), err::toString);
        List<String> lines = err.toString().lines().toList();
        assertEquals("kiln: " + model + " changed while Kiln was using it (" + Files.size(STORIES) + " bytes when opened, 4096 now); "
                + "a model file must not be modified or truncated while it is in use", lines.get(lines.size() - 1), err::toString);
        assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
    }

    /** Findings 7 and 9: a disk filling up during quantize said "InternalError: a fault occurred..." instead of "no space left on device". */
    @Test
    void a_full_disk_is_reported_as_such_before_and_during_the_write() throws Exception {
        assumeTrue(hasTool("unshare -m true") && hasTool("setsid true"), "needs a mount namespace (root) to make a small file system");
        Path input = f32Model();
        String script = """
                mount -t tmpfs -o size=12800k tmpfs "$DIR/disk" || exit 77
                # before: the file cannot fit (--pure: all Q4_K, 11 MB; the Q4_K_M mix would not fit at all)
                head -c 12000k /dev/zero > "$DIR/disk/filler"
                "$KILN" quantize "$INPUT" "$DIR/disk/out.gguf" Q4_K --pure 2> "$DIR/before.err"; echo "before $?"
                rm "$DIR/disk/filler"
                # during: the file fits when the write starts; the disk fills while it is written
                setsid "$KILN" quantize "$INPUT" "$DIR/disk/out.gguf" Q4_K --pure -t 1 2> "$DIR/during.err" &
                pid=$!
                for i in $(seq 3000); do
                  partial=$(ls -A "$DIR/disk" | grep '^\\.out\\.gguf\\.' || true)
                  [[ -n "$partial" && -s "$DIR/disk/$partial" ]] && break
                  sleep 0.01
                done
                kill -STOP -- -$pid
                head -c 20000k /dev/zero > "$DIR/disk/filler" 2>/dev/null
                kill -CONT -- -$pid
                wait $pid; echo "during $?"
                ls -A "$DIR/disk"
                """;
        Files.createDirectory(dir.resolve("disk"));
        Run run = sh("unshare -m bash -c '" + script.replace("'", "'\\''") + "'", "INPUT", input.toString());
        assumeTrue(run.status() != 77, "cannot mount a tmpfs here: " + run);
        assertEquals(List.of("before 1", "during 1", "filler"), run.out().lines().toList(), run::toString);
        String target = dir.resolve("disk/out.gguf").toString();
        String before = Files.readString(dir.resolve("before.err"));
        assertTrue(before.endsWith("kiln: cannot write " + target + ": no space left on device (the file needs 11.2 MiB, 800.0 KiB free)\n"),
                before);
        String during = Files.readString(dir.resolve("during.err"));
        assertTrue(during.lines().toList().getLast().startsWith("kiln: cannot write " + target + ": no space left on device ("), during);
        assertFalse(during.contains("\tat ") || during.contains("InternalError"), during);
    }

    /** Finding 11: the README says the scalar fallback prints one warning; it printed none. */
    @Test
    void the_scalar_fallback_prints_one_warning() throws Exception {
        Run run = sh("\"$KILN\" generate -m \"$STORIES\" -p Once -n 2 --temp 0", "KILN_JAVA_OPTS", "-Xint");
        assertEquals(0, run.status(), run::toString);
        assertEquals(1, run.err().lines().filter(l -> l.startsWith("kiln: warning: the vector backend cannot run here (")
                && l.endsWith("); using scalar")).count(), run::toString);
        assertTrue(run.err().contains("on the scalar backend"), run::toString);
    }

    /** A 75 MiB F32 model (synth's small shape), made once: quantizing it to Q4_K on one thread takes seconds. */
    private static synchronized Path f32Model() throws Exception {
        Path model = shared.resolve("small-f32.gguf");
        if (!Files.exists(model)) {
            Process p = new ProcessBuilder(KILN.toString(), "synth", "--shape", "small", "--type", "F32", "-o", model.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, waitFor(p), log);
        }
        return model;
    }

    private Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve(".stderr").toFile());
        pb.environment().putAll(environment());
        return pb.start();
    }

    /**
     * Waits until the hidden file {@code output} is written through ({@code .NAME.*}, whatever
     * the writer calls it) exists with its full size: the model is being filled.
     */
    private Path awaitPartialFile(Path output) throws Exception {
        String prefix = "." + output.getFileName() + ".";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            try (Stream<Path> s = Files.list(dir)) {
                Optional<Path> partial = s.filter(f -> f.getFileName().toString().startsWith(prefix)).findFirst();
                if (partial.isPresent() && Files.size(partial.get()) > 0) {
                    return partial.get();
                }
            } catch (IOException e) {
                // it came and went between listing and sizing; look again
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no partial file appeared in " + dir + ": " + Files.readString(dir.resolve(".stderr")));
    }

    /**
     * Issue 12's packed-weights cache across processes: two {@code kiln generate} started at once
     * on an empty cache both write it (each matrix through its own temporary file and a rename)
     * and print the same text as a run without the cache; they leave whole files and no
     * temporaries; a third start maps those files (rewrites none) and prints the same text again.
     */
    @Test
    void two_processes_starting_at_once_leave_a_cache_the_next_start_maps() throws Exception {
        Path q4 = HOME.resolve("fixtures/models/stories260K-Q4_0.gguf"); // Q4_0: packed by default
        String run = "\"$KILN\" generate -m \"$MODEL\" -p 'Once upon a time' -n 16 --temp 0";
        Run uncached = sh(run, "MODEL", q4.toString(), "KILN_CACHE_DIR", "off");
        assertEquals(0, uncached.status(), uncached::toString);

        Run both = sh(run + " >a.txt 2>a.err & p1=$!; " + run + " >b.txt 2>b.err & p2=$!; wait $p1; s1=$?; wait $p2; s2=$?; echo \"$s1 $s2\"",
                "MODEL", q4.toString(), "KILN_CACHE_DIR", dir.resolve("cache").toString());
        assertEquals("0 0", both.out().strip(), both + Files.readString(dir.resolve("a.err")) + Files.readString(dir.resolve("b.err")));
        assertEquals(uncached.out(), Files.readString(dir.resolve("a.txt")));
        assertEquals(uncached.out(), Files.readString(dir.resolve("b.txt")));
        for (String err : List.of("a.err", "b.err")) {
            assertFalse(Files.readString(dir.resolve(err)).contains("warning"), err + ": " + Files.readString(dir.resolve(err)));
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir.resolve("cache"))) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        List<Path> packed = files.stream().filter(p -> p.toString().endsWith(".kpack")).toList();
        assumeTrue(!packed.isEmpty(), "this machine's vector width packs no matrices");
        assertTrue(files.stream().noneMatch(p -> p.toString().endsWith(".tmp")), "temporary files left: " + files);
        Map<Path, FileTime> written = new HashMap<>();
        for (Path p : packed) {
            written.put(p, Files.getLastModifiedTime(p));
        }

        Run third = sh(run, "MODEL", q4.toString(), "KILN_CACHE_DIR", dir.resolve("cache").toString());
        assertEquals(0, third.status(), third::toString);
        assertEquals(uncached.out(), third.out());
        for (Path p : packed) {
            assertEquals(written.get(p), Files.getLastModifiedTime(p), p + " was written again, not mapped");
        }
    }

    private static void signal(String signal, String target) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, "--", target).inheritIO().start();
        assertEquals(0, waitFor(kill), "kill -" + signal + " " + target);
    }

    private static boolean hasTool(String probe) {
        try {
            Process p = new ProcessBuilder("bash", "-c", probe + " >/dev/null 2>&1").start();
            return waitFor(p) == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** The files in the test's directory, without the captured .stdout/.stderr. */
    private List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return new ArrayList<>(s.filter(f -> !f.getFileName().toString().startsWith(".std")).sorted().toList());
        }
    }
}
