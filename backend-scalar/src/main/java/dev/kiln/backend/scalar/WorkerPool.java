package dev.kiln.backend.scalar;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Splits index ranges over a fixed set of platform threads owned by one compute context (never
 * the common pool, so model work does not compete with unrelated tasks). The calling thread
 * runs the first share itself, so {@code threads} counts it.
 */
final class WorkerPool implements AutoCloseable {

    /** Work on the indices {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final int threads;
    private final ExecutorService executor;

    WorkerPool(int threads) {
        this.threads = threads;
        if (threads > 1) {
            int pool = POOLS.incrementAndGet();
            AtomicInteger count = new AtomicInteger();
            ThreadFactory factory = r -> {
                Thread t = Thread.ofPlatform().daemon(true)
                        .name("kiln-scalar-" + pool + "-" + count.incrementAndGet()).unstarted(r);
                return t;
            };
            this.executor = Executors.newFixedThreadPool(threads - 1, factory);
        } else {
            this.executor = null;
        }
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} over {@code [0, n)} in at most {@code threads} contiguous shares. */
    void forRange(int n, Range body) {
        forRange(n, 1, body);
    }

    /**
     * Like {@link #forRange(int, Range)}, but only splits when every share gets at least
     * {@code minShare} indices, so tiny loops do not pay for a thread hand-off.
     */
    void forRange(int n, int minShare, Range body) {
        if (n <= 0) {
            return;
        }
        int shares = Math.min(threads, Math.max(1, n / Math.max(1, minShare)));
        if (shares <= 1 || executor == null) {
            body.run(0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(shares - 1);
        for (int s = 1; s < shares; s++) {
            int from = (int) ((long) n * s / shares);
            int to = (int) ((long) n * (s + 1) / shares);
            futures.add(executor.submit(() -> body.run(from, to)));
        }
        Throwable failure = null;
        try {
            body.run(0, (int) ((long) n / shares));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("worker failed", failure);
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
