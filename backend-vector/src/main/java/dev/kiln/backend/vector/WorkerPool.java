package dev.kiln.backend.vector;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of platform threads that runs one parallel loop at a time: {@code parts} pieces
 * of work handed out dynamically, the calling thread taking part as well (so a pool of
 * {@code threads} has {@code threads - 1} extra threads). Workers spin briefly between loops,
 * since a decode step issues hundreds of short loops, and then park so an idle pool costs nothing.
 *
 * <p>The caller waits for the <em>parts</em> to finish, not for every worker to show up: on a
 * busy machine a descheduled worker would otherwise stall each of those hundreds of loops. Parts
 * are claimed with a compare-and-set on (loop number, next part), so a worker that wakes late
 * can never take a part of a newer loop with an older loop's body.
 */
final class WorkerPool implements AutoCloseable {

    /** One parallel loop body: handles piece {@code part} on the participant numbered {@code worker}. */
    @FunctionalInterface
    interface Body {
        void run(int part, int worker);
    }

    private record Loop(long number, Body body, int parts) {
    }

    private static final int SPIN_ROUNDS = 1 << 14;

    private final int threads;
    private final Thread[] workers;
    /** High 32 bits: loop number; low 32 bits: next unclaimed part. */
    private final AtomicLong ticket = new AtomicLong();
    private final AtomicInteger completed = new AtomicInteger();
    private volatile Loop loop = new Loop(0, (p, w) -> { }, 0);
    private volatile boolean closed;
    private volatile Throwable failure;
    private long number;

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
        long n = ++number;
        failure = null;
        completed.set(0);
        ticket.set(n << 32);
        Loop current = new Loop(n, body, parts);
        loop = current; // publishes the loop to spinning workers
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        work(current, 0);
        int spins = 0;
        while (completed.get() < parts) {
            if (++spins < SPIN_ROUNDS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
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

    /** Claims and runs parts of {@code l} until none is left (or a newer loop has started). */
    private void work(Loop l, int worker) {
        while (true) {
            long t = ticket.get();
            int part = (int) t;
            if ((t >>> 32) != l.number() || part >= l.parts()) {
                return;
            }
            if (!ticket.compareAndSet(t, t + 1)) {
                continue;
            }
            try {
                l.body().run(part, worker);
            } catch (Throwable e) {
                failure = e;
            } finally {
                completed.incrementAndGet();
            }
        }
    }

    private void loop(int worker) {
        long seen = 0;
        while (true) {
            int spins = 0;
            Loop l;
            while ((l = loop).number() == seen && !closed) {
                if (++spins < SPIN_ROUNDS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = l.number();
            work(l, worker);
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
