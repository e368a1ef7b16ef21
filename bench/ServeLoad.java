/*
 * Load generator for OpenAI-compatible servers (kiln serve, llama-server): N concurrent clients,
 * each sending streaming /v1/completions requests one after another, for each N given. Reports
 * aggregate generated tokens per second and time to first token (p50/p99) per concurrency.
 * A single-file program (java ServeLoad.java ...), JDK only; run through bench/serve-load.
 *
 *   java bench/ServeLoad.java --url http://127.0.0.1:8080 [--streams 1,4,8,16] [--requests 4]
 *        [--max-tokens 64] [--prompt TEXT] [--warmup 2] [--label kiln]
 *
 * Every client sends --requests requests at each concurrency; tokens are the usage chunk's
 * completion_tokens (stream_options.include_usage), else the number of text chunks. TTFT is the
 * time from sending a request to its first chunk with text. Loopback servers only.
 */

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class ServeLoad {
    private static final Pattern USAGE = Pattern.compile("\"completion_tokens\"\\s*:\\s*(\\d+)");
    private static final Pattern TEXT = Pattern.compile("\"(text|content)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)+)\"");

    /** One request: its tokens, its time to first token, its length, and whether it was its client's first. */
    record Result(long tokens, double ttftMillis, double seconds, boolean first) {
    }

    public static void main(String[] args) throws Exception {
        String url = "http://127.0.0.1:8080";
        String streams = "1,4,8,16";
        int requests = 4;
        int maxTokens = 64;
        int warmup = 2;
        String label = "server";
        String prompt = "Once upon a time, in a quiet village by the sea, there lived";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--streams" -> streams = args[++i];
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--max-tokens" -> maxTokens = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--prompt" -> prompt = args[++i];
                case "--label" -> label = args[++i];
                default -> {
                    System.err.println("serve-load: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        String host = URI.create(url).getHost();
        if (!host.equals("localhost") && !host.startsWith("127.") && !host.equals("[::1]") && !host.equals("::1")) {
            System.err.println("serve-load: only loopback servers are load-tested, not " + host);
            System.exit(2);
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        String body = "{\"prompt\": " + quote(prompt) + ", \"max_tokens\": " + maxTokens
                + ", \"temperature\": 0, \"stream\": true, \"stream_options\": {\"include_usage\": true}}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();

        for (int i = 0; i < warmup; i++) {
            one(http, request);
        }
        // TTFT over all requests, and over the requests after each client's first: the first ones of a
        // phase arrive together (a burst, prefilled one after another), the later ones as others finish
        System.out.printf(Locale.ROOT, "%-8s %7s %9s %10s %11s %11s %11s %14s%n", "server", "streams", "requests",
                "tokens", "agg tok/s", "TTFT p50", "TTFT p99", "later p50/p99");
        for (String s : streams.split(",")) {
            int n = Integer.parseInt(s.trim());
            List<Result> results = Collections.synchronizedList(new ArrayList<>());
            long t0 = System.nanoTime();
            try (ExecutorService clients = Executors.newFixedThreadPool(n)) {
                List<Future<?>> done = new ArrayList<>();
                final int perClient = requests;
                for (int c = 0; c < n; c++) {
                    done.add(clients.submit(() -> {
                        for (int r = 0; r < perClient; r++) {
                            Result one = one(http, request);
                            results.add(new Result(one.tokens(), one.ttftMillis(), one.seconds(), r == 0));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            long tokens = results.stream().mapToLong(Result::tokens).sum();
            List<Double> ttft = results.stream().map(Result::ttftMillis).sorted().toList();
            List<Double> later = results.stream().filter(r -> !r.first()).map(Result::ttftMillis).sorted().toList();
            System.out.printf(Locale.ROOT, "%-8s %7d %9d %10d %11.1f %9.0f ms %9.0f ms %6.0f/%.0f ms%n", label, n,
                    results.size(), tokens, tokens / wall, percentile(ttft, 50), percentile(ttft, 99),
                    percentile(later, 50), percentile(later, 99));
        }
    }

    private static Result one(HttpClient http, HttpRequest request) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<java.util.stream.Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("status " + response.statusCode());
        }
        long first = -1;
        long chunks = 0;
        long usage = -1;
        try (var lines = response.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                Matcher text = TEXT.matcher(line);
                if (text.find()) {
                    chunks++;
                    if (first < 0) {
                        first = System.nanoTime();
                    }
                }
                Matcher u = USAGE.matcher(line);
                if (u.find()) {
                    usage = Long.parseLong(u.group(1));
                }
            }
        }
        long end = System.nanoTime();
        return new Result(usage >= 0 ? usage : chunks, ((first < 0 ? end : first) - t0) / 1e6, (end - t0) / 1e9, false);
    }

    private static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return sb.append('"').toString();
    }
}
