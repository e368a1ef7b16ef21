package dev.kiln.server;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.batch.BatchOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link KilnServer} listens and serves. Immutable; start from {@link #defaults()} and
 * change what you need with the {@code with…} methods.
 *
 * @param host the address to bind ({@code 127.0.0.1} by default: reachable from this machine only)
 * @param port the TCP port; 0 picks a free one ({@link KilnServer#port()} tells which)
 * @param batch slots, each slot's context, the waiting-queue limit ({@code --parallel},
 *              {@code --ctx-size}, {@code --max-queue})
 * @param apiKey the key clients must send ({@code Authorization: Bearer KEY}), or null for none
 * @param maxBodyBytes the largest request body taken; a larger one gets 413
 * @param shutdownGrace how long running generations may go on after {@link KilnServer#stop()}
 *                      before they are ended (their clients still get a clean end)
 */
public record ServerOptions(String host, int port, BatchOptions batch, String apiKey, long maxBodyBytes,
                            Duration shutdownGrace) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    /** llama-server's default number of slots. */
    public static final int DEFAULT_SLOTS = 4;
    public static final int DEFAULT_MAX_QUEUE = 64;
    public static final long DEFAULT_MAX_BODY_BYTES = 4L << 20;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);

    public ServerOptions {
        Objects.requireNonNull(host, "host is null");
        Objects.requireNonNull(batch, "batch is null");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace is null");
        if (host.isBlank()) {
            throw new KilnException("the host to listen on is empty");
        }
        if (port < 0 || port > 65535) {
            throw new KilnException("the port must be 0 (any free port) to 65535, got " + port);
        }
        if (apiKey != null && apiKey.isEmpty()) {
            apiKey = null;
        }
        if (maxBodyBytes < 1) {
            throw new KilnException("the body limit must be at least 1 byte, got " + maxBodyBytes);
        }
        if (shutdownGrace.isNegative()) {
            throw new KilnException("the shutdown grace must not be negative, got " + shutdownGrace);
        }
    }

    /** 127.0.0.1:8080, 4 slots of the model's context, a queue of 64, no key, 4 MiB bodies, 5 s grace. */
    public static ServerOptions defaults() {
        return new ServerOptions(DEFAULT_HOST, DEFAULT_PORT, BatchOptions.of(DEFAULT_SLOTS).withMaxQueue(DEFAULT_MAX_QUEUE),
                null, DEFAULT_MAX_BODY_BYTES, DEFAULT_SHUTDOWN_GRACE);
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, batch, apiKey, maxBodyBytes, shutdownGrace);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, batch, apiKey, maxBodyBytes, shutdownGrace);
    }

    public ServerOptions withBatch(BatchOptions b) {
        return new ServerOptions(host, port, b, apiKey, maxBodyBytes, shutdownGrace);
    }

    public ServerOptions withApiKey(String key) {
        return new ServerOptions(host, port, batch, key, maxBodyBytes, shutdownGrace);
    }

    public ServerOptions withMaxBodyBytes(long bytes) {
        return new ServerOptions(host, port, batch, apiKey, bytes, shutdownGrace);
    }

    public ServerOptions withShutdownGrace(Duration grace) {
        return new ServerOptions(host, port, batch, apiKey, maxBodyBytes, grace);
    }

    @Override
    public String toString() {
        // never print the key
        return "ServerOptions[host=" + host + ", port=" + port + ", batch=" + batch + ", apiKey="
                + (apiKey == null ? "none" : "set") + ", maxBodyBytes=" + maxBodyBytes + ", shutdownGrace=" + shutdownGrace + "]";
    }
}
