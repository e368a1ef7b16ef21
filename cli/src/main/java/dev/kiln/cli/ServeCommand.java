package dev.kiln.cli;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.batch.BatchOptions;
import dev.kiln.runtime.batch.BatchStats;
import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerOptions;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln serve}: the OpenAI-compatible HTTP server ({@link KilnServer}) on one model. Logs go
 * to stderr; stdout stays empty. SIGTERM or SIGINT stops it gracefully (running streams end
 * cleanly) and the command exits 0: the JVM's shutdown hook stops the server, lets the command
 * finish, then ends the JVM with status 0 (a JVM ended by a signal would otherwise exit 143 or 130).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over an OpenAI-compatible HTTP API (chat and text completions, streamed or whole).")
final class ServeCommand implements Callable<Integer> {
    /** The environment variable read when there is no --api-key. */
    static final String API_KEY_ENV = "KILN_API_KEY";

    /*
     * Helidon announces its features and bound sockets at INFO on stderr; kiln prints its own one
     * line. Held in a field because java.util.logging keeps loggers weakly.
     */
    private static final Logger HELIDON_LOG = Logger.getLogger("io.helidon");
    /** How long a signal's shutdown waits for the command to close the model and print its last line. */
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(30);

    @ParentCommand
    KilnCommand kiln;

    private final Provider<Kiln> engine;

    @Inject
    ServeCommand(Provider<Kiln> engine) {
        this.engine = engine;
    }

    @Mixin
    ComputeOptions compute;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "The model file (default: the embedded stories260K, <kiln home>/models/stories260K.gguf).")
    Path model;

    @Option(names = "--host", paramLabel = "ADDRESS",
            description = "The address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
    String host = ServerOptions.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "N", description = "The TCP port; 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port = ServerOptions.DEFAULT_PORT;

    @Option(names = {"-np", "--parallel"}, paramLabel = "N",
            description = "Sequences generated at once, each with its own KV cache (default: ${DEFAULT-VALUE}).")
    int parallel = ServerOptions.DEFAULT_SLOTS;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "C",
            description = "Each slot's context (KV cache) size in tokens (default: the model's, at most 4096).")
    Integer contextSize;

    @Option(names = "--chat-template", paramLabel = "NAME",
            description = "chatml, llama3, zephyr, phi3, gemma, llama2[-sys[-bos|-strip]], mistral-v1, mistral-v3[-tekken] "
                    + "or mistral-v7[-tekken], instead of the one recognised in the model's tokenizer.chat_template "
                    + "(chatml when the model has none, as in llama.cpp).")
    String chatTemplate;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require this key from clients (Authorization: Bearer KEY); default: $" + API_KEY_ENV + ", else none.")
    String apiKey;

    @Option(names = "--max-queue", paramLabel = "Q",
            description = "Requests that may wait for a slot; more get 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue = ServerOptions.DEFAULT_MAX_QUEUE;

    @Option(names = "--no-warmup",
            description = "Take requests as soon as the model is loaded, without the warm-up run (as in llama-server); "
                    + "the first requests then wait for the JIT to compile the kernels.")
    boolean noWarmup;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = kiln.err();
        int ctx = contextSize != null ? contextSize : 0;
        if (contextSize != null && ctx < 1) {
            throw new KilnException("--ctx-size must be at least 1, got " + ctx);
        }
        String key = apiKey != null ? apiKey : System.getenv(API_KEY_ENV);
        ServerOptions options = ServerOptions.defaults().withHost(host).withPort(port).withApiKey(key)
                .withBatch(new BatchOptions(parallel, ctx, maxQueue, BatchOptions.DEFAULT_PREFILL_CHUNK));
        ModelOptions modelOptions = compute.modelOptions(ctx).withChatTemplate(chatTemplate);
        if (!kiln.verbose()) {
            HELIDON_LOG.setLevel(Level.WARNING);
        }

        // listen first: a port in use fails at once, and /health says 503 while the model loads
        KilnServer server = KilnServer.start(options);
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean signalled = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("kiln-serve-stop").unstarted(() -> {
            if (finished.get()) {
                return; // the command ended on its own and exits with its own status
            }
            signalled.set(true); // SIGTERM, SIGINT: stop gracefully, let the command say so, exit 0
            server.stop();
            try {
                done.await(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            err.flush();
            Runtime.getRuntime().halt(0);
        }));
        err.println("kiln: listening on " + server.uri() + ", loading the model...");
        err.flush();

        try (KilnModel m = engine.get().open(KilnCommand.modelOrDefault(model), modelOptions)) {
            err.println("kiln: " + m.describe());
            err.flush();
            try {
                if (!noWarmup) {
                    // /health stays 503 until serve(): a client that waits for 200 gets the compiled kernels
                    Duration warmUp = m.warmUp();
                    err.println(String.format(Locale.ROOT, "kiln: warm-up run in %d ms (--no-warmup skips it)",
                            warmUp.toMillis()));
                    err.flush();
                }
                server.serve(m);
            } catch (KilnException e) {
                if (signalled.get()) {
                    server.awaitStop(); // stopped while loading
                    return 0;
                }
                throw e;
            }
            BatchStats stats = server.stats().orElseThrow();
            err.println(String.format(Locale.ROOT, "kiln: serving %s at %s: %d slot%s of %d tokens, queue %d%s; "
                            + "SIGTERM or Ctrl-C stops", server.modelId().orElseThrow(), server.uri(), stats.slots(),
                    stats.slots() == 1 ? "" : "s", options.batch().contextSize() > 0 ? options.batch().contextSize()
                            : m.contextSize(), maxQueue, key != null ? ", API key required" : ""));
            err.flush();
            server.awaitStop();
            BatchStats end = server.stats().orElseThrow();
            err.println(String.format(Locale.ROOT, "kiln: stopped after %d requests (%d completed, %d failed, %d cancelled, "
                            + "%d refused with 429); %d prompt and %d generated tokens", end.requests(), end.completed(),
                    end.failed(), end.cancelled(), end.rejected(), end.promptTokens(), end.generatedTokens()));
            err.flush();
        } finally {
            server.stop();
            finished.set(!signalled.get());
            done.countDown();
        }
        return 0;
    }
}
