package dev.kiln.backend.vector;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of platform threads that runs one parallel loop at a time: {@code parts} pieces
 * of work handed out dynamically, the calling thread taking part as well (so a pool of
 * {@code threads} has {@code threads - 1} extra threads). Workers spin briefly between loops,
 * since a decode step issues hundreds of short loops, and then park so an idle pool costs nothing.
 */
final class WorkerPool implements AutoCloseable {

    /** One parallel loop body: handles piece {@code part} on the participant numbered {@code worker}. */
    @FunctionalInterface
    interface Body {
        void run(int part, int worker);
    }

    private static final int SPIN_ROUNDS = 20_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();
    private volatile int generation;
    private volatile boolean closed;
    private volatile Body body;
    private volatile int parts;
    private volatile Throwable failure;

    WorkerPool(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int worker = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name(name + "-" + worker).unstarted(() -> loop(worker));
            workers[i].start();
        }
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} for every part in {@code [0, parts)} and returns when all are done. */
    void run(int parts, Body body) {
        if (closed) {
            throw new IllegalStateException("compute is closed");
        }
        if (parts <= 0) {
            return;
        }
        if (workers.length == 0 || parts == 1) {
            for (int p = 0; p < parts; p++) {
                body.run(p, 0);
            }
            return;
        }
        this.body = body;
        this.parts = parts;
        this.failure = null;
        next.set(0);
        finished.set(0);
        generation = generation + 1; // publishes the fields above
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        work(body, parts, 0);
        int spins = 0;
        while (finished.get() < workers.length) {
            if (++spins < SPIN_ROUNDS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        this.body = null;
        Throwable t = failure;
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    private void work(Body b, int n, int worker) {
        try {
            for (int p = next.getAndIncrement(); p < n; p = next.getAndIncrement()) {
                b.run(p, worker);
            }
        } catch (Throwable t) {
            failure = t;
            next.set(n); // let the others stop early
        }
    }

    private void loop(int worker) {
        int seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < SPIN_ROUNDS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            work(body, parts, worker);
            finished.incrementAndGet();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        for (Thread t : workers) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
