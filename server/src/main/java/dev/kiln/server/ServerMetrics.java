package dev.kiln.server;

import dev.kiln.runtime.batch.BatchStats;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The server's counters, and {@code GET /metrics} in Prometheus' text format with the scheduler's figures. */
final class ServerMetrics {
    /** Requests answered, by endpoint and status code. */
    private final Map<String, LongAdder> responses = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder streamsAborted = new LongAdder();

    void started() {
        inFlight.incrementAndGet();
    }

    void finished(String endpoint, int status) {
        inFlight.decrementAndGet();
        responses.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
    }

    /** A client went away while its text was streaming. */
    void aborted() {
        streamsAborted.increment();
    }

    /** Requests being handled now. */
    int inFlight() {
        return inFlight.get();
    }

    /** The metrics page; {@code stats} is null while the model loads. */
    String render(BatchStats stats) {
        StringBuilder sb = new StringBuilder();
        header(sb, "kiln_requests_total", "counter", "HTTP requests answered, by endpoint and status code.");
        Map<String, Long> sorted = new TreeMap<>();
        responses.forEach((k, v) -> sorted.put(k, v.sum()));
        sorted.forEach((k, v) -> {
            String[] parts = k.split("\u0000");
            sb.append("kiln_requests_total{endpoint=\"").append(parts[0]).append("\",code=\"").append(parts[1])
                    .append("\"} ").append(v).append('\n');
        });
        gauge(sb, "kiln_requests_in_flight", "HTTP requests being handled now.", inFlight.get());
        counter(sb, "kiln_streams_aborted_total", "Streams whose client went away before the end.", streamsAborted.sum());
        if (stats != null) {
            gauge(sb, "kiln_slots", "Sequences that can run at once (--parallel).", stats.slots());
            gauge(sb, "kiln_active_slots", "Sequences running now (prefilling or decoding).", stats.activeSlots());
            gauge(sb, "kiln_queue_depth", "Requests waiting for a slot.", stats.queued());
            header(sb, "kiln_generations_total", "counter", "Generations by outcome.");
            outcome(sb, "completed", stats.completed());
            outcome(sb, "failed", stats.failed());
            outcome(sb, "cancelled", stats.cancelled());
            outcome(sb, "rejected", stats.rejected());
            counter(sb, "kiln_prompt_tokens_total", "Prompt tokens evaluated.", stats.promptTokens());
            counter(sb, "kiln_generated_tokens_total", "Tokens generated.", stats.generatedTokens());
            counter(sb, "kiln_decode_steps_total", "Batched decode steps run.", stats.decodeSteps());
            header(sb, "kiln_tokens_per_second", "gauge", "Tokens generated per second over the last 10 seconds.");
            sb.append("kiln_tokens_per_second ").append(String.format(Locale.ROOT, "%.3f", stats.tokensPerSecond())).append('\n');
        }
        return sb.toString();
    }

    private static void outcome(StringBuilder sb, String outcome, long n) {
        sb.append("kiln_generations_total{outcome=\"").append(outcome).append("\"} ").append(n).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, long value) {
        header(sb, name, "gauge", help);
        sb.append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder sb, String name, String help, long value) {
        header(sb, name, "counter", help);
        sb.append(name).append(' ').append(value).append('\n');
    }

    private static void header(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }
}
