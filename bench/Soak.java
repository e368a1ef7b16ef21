/*
 * Soak run against a loopback OpenAI-compatible server (kiln serve): CLIENTS concurrent clients
 * for SECONDS, each looping over a mix of well-formed streaming and whole requests, streams it
 * aborts part-way, and malformed requests. Counts failures of well-formed requests (any status
 * but 200 and 429, a stream without [DONE]), 429s, 5xx answers to malformed input; samples the
 * server's resident memory (VmRSS of --pid) every 10 s, and the heap still in use after a full GC
 * at 60 s and at the end (jcmd), which is what a leak would grow; at the end waits for /metrics
 * to show no active slot. Exit status 1 if a well-formed request failed, a malformed one got a 5xx, or a
 * slot stayed active. A single-file program run through bench/soak.
 */

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

public class Soak {
    static final AtomicLong ok = new AtomicLong();
    static final AtomicLong failed = new AtomicLong();
    static final AtomicLong queueFull = new AtomicLong();
    static final AtomicLong aborted = new AtomicLong();
    static final AtomicLong malformed4xx = new AtomicLong();
    static final AtomicLong malformed5xx = new AtomicLong();
    static final AtomicLong tokens = new AtomicLong();
    static final List<String> failures = new ArrayList<>();
    static long liveAtWarmup = -1;

    static final String[] PROMPTS = {"Once upon a time", "Lily and Ben went to the park", "The little dog", "One day"};
    static final String[] MALFORMED = {
        "{\"prompt\": ", "[1,2,3]", "", "{\"prompt\": 12}", "{\"prompt\": \"a\", \"temperature\": \"hot\"}",
        "{\"messages\": \"hi\"}", "{\"prompt\": \"a\", \"n\": 5}", "{\"prompt\": \"a\", \"max_tokens\": 0}",
        "{\"prompt\": [1, 999999]}", "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}",
        "{\"prompt\": \"a\", \"model\": \"gpt-4\"}", "\u0000\u0001garbage", "{\"prompt\": \"a\"} {}",
    };

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int clients = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        long pid = Long.parseLong(args[3]);
        if (!URI.create(url).getHost().startsWith("127.") && !URI.create(url).getHost().equals("localhost")) {
            throw new IllegalArgumentException("loopback servers only");
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Long> rss = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            oneRequest(http, url);
                        } catch (Exception e) {
                            fail("client: " + e);
                        }
                    }
                    return null;
                });
            }
            long t0 = System.nanoTime();
            boolean warmed = false;
            while (System.nanoTime() < end) {
                if (!warmed && System.nanoTime() - t0 > 60_000_000_000L) {
                    warmed = true;
                    liveAtWarmup = liveHeapKiB(pid);
                }
                Thread.sleep(Math.min(10_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                long r = rssKiB(pid);
                rss.add(r);
                System.out.printf(Locale.ROOT, "soak: %4.0f s  rss %7.1f MiB  ok %6d  429 %5d  aborted %5d  malformed %5d  failed %d%n",
                        (System.nanoTime() - t0) / 1e9, r / 1024.0, ok.get(), queueFull.get(), aborted.get(),
                        malformed4xx.get() + malformed5xx.get(), failed.get());
            }
        }
        // all clients are done: no slot may stay active
        String active = "?";
        for (int i = 0; i < 300; i++) {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            active = metrics.lines().filter(l -> l.startsWith("kiln_active_slots ")).findFirst().orElse("?").substring(18);
            if (active.equals("0")) {
                break;
            }
            Thread.sleep(100);
        }
        long liveAtEnd = liveHeapKiB(pid);
        int warm = Math.min(rss.size() - 1, 3); // after the first 30 s
        long min = rss.subList(warm, rss.size()).stream().mapToLong(Long::longValue).min().orElse(0);
        long max = rss.subList(warm, rss.size()).stream().mapToLong(Long::longValue).max().orElse(0);
        System.out.printf(Locale.ROOT, "soak: %d clients, %d s: %d well-formed ok (%d tokens), %d failed, %d refused with 429, "
                        + "%d aborted by the client, %d malformed answered 4xx, %d malformed answered 5xx; active slots at the end: %s%n",
                clients, seconds, ok.get(), tokens.get(), failed.get(), queueFull.get(), aborted.get(), malformed4xx.get(),
                malformed5xx.get(), active);
        System.out.printf(Locale.ROOT, "soak: resident memory after warm-up (from %d s): %.1f..%.1f MiB, at the end %.1f MiB%n",
                warm * 10, min / 1024.0, max / 1024.0, rss.getLast() / 1024.0);
        System.out.printf(Locale.ROOT, "soak: live heap after a full GC: %.1f MiB at 60 s, %.1f MiB at the end%n",
                liveAtWarmup / 1024.0, liveAtEnd / 1024.0);
        synchronized (failures) {
            failures.stream().limit(10).forEach(f -> System.out.println("soak: failure: " + f));
        }
        System.exit(failed.get() == 0 && malformed5xx.get() == 0 && active.equals("0") ? 0 : 1);
    }

    static void oneRequest(HttpClient http, String url) throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int kind = r.nextInt(10);
        if (kind == 0) { // malformed
            String body = MALFORMED[r.nextInt(MALFORMED.length)];
            HttpResponse<String> resp = http.send(post(url, r.nextBoolean() ? "/v1/completions" : "/v1/chat/completions", body),
                    HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() >= 500) {
                malformed5xx.incrementAndGet();
                fail("malformed " + body + " -> " + resp.statusCode() + " " + resp.body());
            } else if (resp.statusCode() >= 400) {
                malformed4xx.incrementAndGet();
            } else {
                fail("malformed " + body + " -> " + resp.statusCode());
            }
            return;
        }
        boolean chat = r.nextBoolean();
        String prompt = PROMPTS[r.nextInt(PROMPTS.length)];
        int maxTokens = 8 + r.nextInt(57);
        boolean stream = kind != 1;
        String body = (chat ? "{\"messages\": [{\"role\": \"user\", \"content\": \"" + prompt + "\"}]"
                : "{\"prompt\": \"" + prompt + "\"") + ", \"max_tokens\": " + maxTokens + ", \"temperature\": "
                + (r.nextBoolean() ? 0 : 0.8) + ", \"stream\": " + stream + ", \"stream_options\": {\"include_usage\": true}}";
        HttpRequest request = post(url, chat ? "/v1/chat/completions" : "/v1/completions", body);
        if (!stream) {
            HttpResponse<String> resp = http.send(request, HttpResponse.BodyHandlers.ofString());
            count(resp.statusCode(), resp.body().contains("\"finish_reason\""), resp.body());
            return;
        }
        HttpResponse<InputStream> resp = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        boolean abort = kind == 2 || kind == 3;
        int abortAfter = 1 + r.nextInt(4);
        int events = 0;
        boolean done = false;
        StringBuilder seen = new StringBuilder();
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200) {
                count(resp.statusCode(), false, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                return;
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                events++;
                if (line.equals("data: [DONE]")) {
                    done = true;
                } else if (line.contains("\"finish_reason\":\"")) {
                    seen.append("finish ");
                } else if (line.contains("\"completion_tokens\"")) {
                    tokens.addAndGet(Long.parseLong(line.replaceAll(".*\"completion_tokens\":(\\d+).*", "$1")));
                }
                if (abort && events >= abortAfter) {
                    aborted.incrementAndGet();
                    return; // closing the body drops the connection mid-stream
                }
            }
        }
        count(200, done && seen.length() > 0, "stream ended without a finish reason and [DONE] after " + events + " events");
    }

    static void count(int status, boolean complete, String detail) {
        if (status == 429) {
            queueFull.incrementAndGet();
            try {
                Thread.sleep(100); // Retry-After is 1 s; a shorter pause keeps the queue full
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (status == 200 && complete) {
            ok.incrementAndGet();
        } else {
            fail(status + ": " + detail);
        }
    }

    static void fail(String what) {
        failed.incrementAndGet();
        synchronized (failures) {
            if (failures.size() < 100) {
                failures.add(what.length() > 300 ? what.substring(0, 300) : what);
            }
        }
    }

    static HttpRequest post(String url, String path, String body) {
        return HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** The heap in use right after a full GC of process {@code pid} (jcmd GC.run, GC.heap_info): what is really live. */
    static long liveHeapKiB(long pid) {
        try {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String info = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            long used = 0;
            for (var m = java.util.regex.Pattern.compile("^\\S.*?total \\d+K, used (\\d+)K", java.util.regex.Pattern.MULTILINE)
                    .matcher(info); m.find(); ) {
                used += Long.parseLong(m.group(1));
            }
            return used;
        } catch (Exception e) {
            return -1;
        }
    }

    static long rssKiB(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
