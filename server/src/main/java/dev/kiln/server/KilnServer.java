package dev.kiln.server;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.batch.BatchStats;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An OpenAI-compatible HTTP server over one model: {@code POST /v1/chat/completions},
 * {@code POST /v1/completions} (whole or streamed as server-sent events), {@code GET /v1/models},
 * {@code GET /health} and {@code GET /metrics}. Requests run through a
 * {@link dev.kiln.runtime.batch.BatchScheduler}: up to {@code --parallel} sequences decode
 * together, one pass over the weights per step.
 *
 * <pre>{@code
 * try (KilnModel model = Kiln.load(Path.of("model.gguf"));
 *      KilnServer server = KilnServer.start(model, ServerOptions.defaults().withPort(0))) {
 *     System.out.println("listening on " + server.uri());
 *     server.awaitStop();
 * }
 * }</pre>
 *
 * The server listens from {@link #start(ServerOptions)} on; until {@link #serve} hands it the
 * model, {@code /health} and the model endpoints answer 503 (as llama-server does while
 * loading). {@link #stop()} ends it gracefully: new requests get 503, running generations may
 * finish within the options' grace and are then ended, every stream gets a clean end. The
 * server never closes the model: whoever loaded it does.
 */
public final class KilnServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KilnServer.class.getName());
    /** Bodies larger than this are cut off by the HTTP layer itself (larger ones are read and dropped first, so the client sees the 413). */
    private static final long DRAIN_FACTOR = 16;
    /** How long stop() waits for handlers to write the end of their streams. */
    private static final Duration HANDLERS_GRACE = Duration.ofSeconds(5);

    private final ServerOptions options;
    private final ServerMetrics metrics = new ServerMetrics();
    private final ApiKey key;
    private final CompletionEndpoint chat;
    private final CompletionEndpoint completions;
    private final WebServer web;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object lifecycle = new Object();
    private volatile ServedModel served;
    private volatile boolean stopping;
    /** The thread that runs {@link #stop()} (guarded by {@link #lifecycle}). */
    private volatile Thread stopper;

    private KilnServer(ServerOptions options) {
        this.options = Objects.requireNonNull(options, "options is null");
        this.key = options.apiKey() == null ? null : new ApiKey(options.apiKey());
        this.chat = new CompletionEndpoint(CompletionRequest.Kind.CHAT, metrics, () -> stopping);
        this.completions = new CompletionEndpoint(CompletionRequest.Kind.TEXT, metrics, () -> stopping);
        long hardLimit = options.maxBodyBytes() > Long.MAX_VALUE / DRAIN_FACTOR ? Long.MAX_VALUE
                : options.maxBodyBytes() * DRAIN_FACTOR;
        this.web = WebServer.builder()
                .host(options.host())
                .port(options.port())
                .shutdownHook(false) // stop() is the graceful way; the caller decides when
                .maxPayloadSize(hardLimit)
                .directHandlers(JsonDirectHandler.handlers())
                .routing(this::routing)
                .build();
    }

    /**
     * Starts listening. Until {@link #serve} is called, model endpoints answer 503.
     *
     * @throws KilnException if the address cannot be bound (in use, not local, not permitted)
     */
    public static KilnServer start(ServerOptions options) {
        String where = options.host() + ":" + options.port();
        if (options.port() != 0) {
            // Helidon logs a failed bind with a stack trace and returns; try the address first for a one-line error
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(options.host(), options.port()));
            } catch (IOException | RuntimeException e) {
                throw new KilnException("cannot listen on " + where + ": " + rootMessage(e), e);
            }
        }
        KilnServer server = new KilnServer(options);
        try {
            server.web.start();
        } catch (RuntimeException e) {
            throw new KilnException("cannot listen on " + where + ": " + rootMessage(e), e);
        }
        if (!server.web.isRunning()) {
            throw new KilnException("cannot listen on " + where + " (see the log above)");
        }
        return server;
    }

    /** Starts listening and serving {@code model} at once. */
    public static KilnServer start(KilnModel model, ServerOptions options) {
        KilnServer server = start(options);
        try {
            server.serve(model);
        } catch (RuntimeException e) {
            server.stop();
            throw e;
        }
        return server;
    }

    /**
     * Serves {@code model} from now on (once per server).
     *
     * @throws dev.kiln.runtime.generate.ChatTemplateException if the model was loaded with a chat
     *         template name Kiln does not know
     */
    public void serve(KilnModel model) {
        Objects.requireNonNull(model, "model is null");
        synchronized (lifecycle) {
            if (served != null) {
                throw new IllegalStateException("this server already serves " + served.id);
            }
            if (stopping) {
                throw new KilnException("the server is stopping");
            }
            served = new ServedModel(model, options.batch());
        }
    }

    /** The port the server listens on (the chosen one when the options asked for 0). */
    public int port() {
        return web.port();
    }

    /** The server's base address, e.g. {@code http://127.0.0.1:8080}. */
    public URI uri() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + host + ":" + port());
    }

    /** The scheduler's figures, once a model is served. */
    public Optional<BatchStats> stats() {
        ServedModel s = served;
        return s == null ? Optional.empty() : Optional.of(s.scheduler.stats());
    }

    /** The served model's id (its file name without {@code .gguf}), once a model is served. */
    public Optional<String> modelId() {
        ServedModel s = served;
        return s == null ? Optional.empty() : Optional.of(s.id);
    }

    /**
     * Stops gracefully and returns when stopped: new requests get 503, running generations go on
     * for at most the options' shutdown grace, then end (a streaming client gets its last text,
     * a finish reason and {@code [DONE]}), and the listener closes. Idempotent.
     */
    public void stop() {
        ServedModel s;
        synchronized (lifecycle) {
            if (stopping) {
                s = null;
            } else {
                stopping = true;
                s = served;
                stopper = Thread.currentThread();
            }
        }
        if (stopper != Thread.currentThread()) {
            awaitStopUninterruptibly(); // another thread is stopping it
            return;
        }
        try {
            if (s != null) {
                s.scheduler.shutdown(options.shutdownGrace());
                // every running request ends at the deadline; a step in progress finishes first
                s.scheduler.awaitTermination(options.shutdownGrace().plusSeconds(30));
            }
            long deadline = System.nanoTime() + HANDLERS_GRACE.toNanos();
            while (metrics.inFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the handlers write the ends of their streams
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            web.stop();
            stopped.countDown();
        }
    }

    private void awaitStopUninterruptibly() {
        boolean interrupted = false;
        while (stopped.getCount() > 0) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the server has stopped. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Waits at most {@code timeout} until the server has stopped; true if it has. */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    // ---- routing

    private void routing(HttpRouting.Builder routing) {
        routing.get("/health", endpoint("/health", false, this::health))
                .get("/v1/health", endpoint("/health", false, this::health))
                .get("/metrics", endpoint("/metrics", true, this::metrics))
                .get("/v1/models", endpoint("/v1/models", true, this::models))
                .get("/models", endpoint("/v1/models", true, this::models))
                .get("/v1/models/{id}", endpoint("/v1/models", true, this::model))
                .post("/v1/chat/completions", endpoint("/v1/chat/completions", true, generating(chat)))
                .post("/chat/completions", endpoint("/v1/chat/completions", true, generating(chat)))
                .post("/v1/completions", endpoint("/v1/completions", true, generating(completions)))
                .post("/completions", endpoint("/v1/completions", true, generating(completions)));
        for (String path : new String[] {"/v1/chat/completions", "/chat/completions", "/v1/completions", "/completions"}) {
            routing.any(path, endpoint("other", false, (req, res) -> {
                throw ApiError.methodNotAllowed(req.prologue().method().text(), req.path().path(), "POST");
            }));
        }
        for (String path : new String[] {"/health", "/v1/health", "/metrics", "/v1/models", "/models", "/v1/models/{id}"}) {
            routing.any(path, endpoint("other", false, (req, res) -> {
                throw ApiError.methodNotAllowed(req.prologue().method().text(), req.path().path(), "GET");
            }));
        }
        routing.any(endpoint("other", false, (req, res) -> {
            throw ApiError.notFound(req.path().path());
        }));
    }

    /** A request's work: sends the response and returns its status. */
    @FunctionalInterface
    private interface Work {
        int handle(ServerRequest req, ServerResponse res) throws Exception;
    }

    /**
     * Wraps an endpoint: the API key check, errors as OpenAI-shaped JSON (never a stack trace),
     * and the metrics.
     */
    private Handler endpoint(String name, boolean keyed, Work work) {
        return (req, res) -> {
            metrics.started();
            int status = 500;
            try {
                if (keyed && key != null && !key.matches(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null),
                        req.headers().first(HeaderNames.create("X-Api-Key")).orElse(null))) {
                    throw ApiError.unauthorized();
                }
                status = work.handle(req, res);
            } catch (ApiError e) {
                status = e.status;
                sendError(res, e);
            } catch (RequestException e) {
                status = e.status().code();
                throw e; // the HTTP layer answers it (as JSON, see JsonDirectHandler)
            } catch (HttpException e) {
                status = e.status().code();
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                status = 503;
                sendError(res, ApiError.unavailable("The server is stopping."));
            } catch (Exception | Error e) {
                LOG.log(Level.ERROR, "internal error on " + req.prologue().method().text() + " " + req.path().path(), e);
                status = 500;
                sendError(res, ApiError.internal("Internal error; see the server's log."));
            } finally {
                metrics.finished(name, status);
            }
        };
    }

    private static void sendError(ServerResponse res, ApiError e) {
        if (res.isSent()) {
            return; // a stream's status went out already
        }
        res.status(Status.create(e.status));
        e.headers.forEach(res::header);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(OpenAiJson.error(e));
    }

    private Work generating(CompletionEndpoint endpoint) {
        return (req, res) -> {
            ServedModel s = requireServing();
            byte[] body = readBody(req);
            return endpoint.handle(s, body, res);
        };
    }

    /** The model, or 503 while it loads or once the server is stopping. */
    private ServedModel requireServing() {
        ServedModel s = served;
        if (stopping) {
            throw ApiError.unavailable("The server is stopping.");
        }
        if (s == null) {
            throw ApiError.unavailable("Loading model");
        }
        return s;
    }

    /** The body, at most the options' limit; a larger one is read to its end (up to the hard limit) and refused with 413. */
    private byte[] readBody(ServerRequest req) {
        long limit = options.maxBodyBytes();
        var out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        long total = 0;
        try (InputStream in = req.content().inputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total <= limit) {
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (total > limit) {
            throw ApiError.tooLarge(limit);
        }
        return out.toByteArray();
    }

    private int health(ServerRequest req, ServerResponse res) {
        if (stopping) {
            throw ApiError.unavailable("The server is stopping.");
        }
        if (served == null) {
            throw ApiError.unavailable("Loading model");
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send("{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
        return 200;
    }

    private int metrics(ServerRequest req, ServerResponse res) {
        ServedModel s = served;
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(metrics.render(s == null ? null : s.scheduler.stats()).getBytes(StandardCharsets.UTF_8));
        return 200;
    }

    private int models(ServerRequest req, ServerResponse res) {
        ServedModel s = requireServing();
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(OpenAiJson.models(modelEntry(s)));
        return 200;
    }

    private int model(ServerRequest req, ServerResponse res) {
        ServedModel s = requireServing();
        String id = req.path().pathParameters().get("id");
        if (!id.equals(s.id)) {
            throw ApiError.modelNotFound(id);
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(OpenAiJson.bytes(modelEntry(s)));
        return 200;
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode modelEntry(ServedModel s) {
        return OpenAiJson.model(s.id, s.created, s.scheduler.contextSize(), s.model.trainedContextLength(),
                s.model.vocabularySize(), s.model.architecture());
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
