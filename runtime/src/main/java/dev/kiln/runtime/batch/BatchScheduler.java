package dev.kiln.runtime.batch;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.KilnSession;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.ContextLengthException;
import dev.kiln.runtime.generate.Continuation;
import dev.kiln.runtime.generate.Sampler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching over one {@link KilnModel}: up to {@code slots} sequences run at once,
 * each in its own session. Every step evaluates the next token of every decoding sequence in one
 * pass over the weights ({@link KilnModel#decode}), then one chunk of a waiting prompt, so a long
 * prompt never stalls the streams for more than a chunk. A request joins as soon as a slot is
 * free and leaves as soon as it ends or is cancelled.
 *
 * <p>Batching never changes a result: each sequence's logits are exactly those it would get
 * alone, and each request samples with its own {@link Sampler}, so a request's text depends only
 * on its prompt and parameters (and, for the prompt, on {@link BatchOptions#prefillChunk()}).
 *
 * <p>One thread, {@code kiln-batch}, runs the steps and calls the listeners. Thread-safe.
 */
public final class BatchScheduler implements AutoCloseable {
    private static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final KilnModel model;
    private final BatchOptions options;
    private final int contextSize;
    private final KilnSession[] sessions;
    private final Job[] slots;
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Thread thread;
    private final RateWindow rate = new RateWindow(RATE_WINDOW_NANOS);
    /** Guarded by {@link #lock}: slots taken (running) and whether new requests are refused. */
    private int occupied;
    private boolean accepting = true;
    private boolean stopping;
    private long deadline;
    private int nextPrefill;

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong decodeSteps = new AtomicLong();

    public BatchScheduler(KilnModel model, BatchOptions options) {
        this.model = Objects.requireNonNull(model, "model is null");
        this.options = Objects.requireNonNull(options, "options is null");
        this.contextSize = options.contextSize() > 0 ? options.contextSize() : model.contextSize();
        this.sessions = new KilnSession[options.slots()];
        this.slots = new Job[options.slots()];
        this.thread = Thread.ofPlatform().name("kiln-batch").daemon(true).unstarted(this::run);
        thread.start();
    }

    /** Each slot's context size in tokens. */
    public int contextSize() {
        return contextSize;
    }

    /** The model this scheduler runs. */
    public KilnModel model() {
        return model;
    }

    /**
     * Queues a request; {@code listener} hears its text and end on the scheduler's thread.
     *
     * @throws ContextLengthException if the prompt does not fit a slot's context
     * @throws QueueFullException if every slot is busy and {@link BatchOptions#maxQueue()} requests already wait
     * @throws KilnException if the scheduler is shutting down
     */
    public BatchHandle submit(BatchRequest request, BatchListener listener) {
        Objects.requireNonNull(request, "request is null");
        Objects.requireNonNull(listener, "listener is null");
        if (request.prompt().length > contextSize) {
            throw new ContextLengthException("the prompt is " + request.prompt().length
                    + " tokens but a slot's context has room for " + contextSize + "; shorten it or raise the context size");
        }
        Job job = new Job(request, listener);
        lock.lock();
        try {
            if (!accepting) {
                throw new KilnException("the scheduler is shutting down; no new requests are taken");
            }
            int free = slots.length - occupied;
            if (queue.size() >= free + options.maxQueue()) {
                rejected.incrementAndGet();
                throw new QueueFullException("all " + slots.length + " slots are busy and " + queue.size()
                        + " requests are waiting (the limit is " + options.maxQueue() + "); try again later");
            }
            queue.add(job);
            requests.incrementAndGet();
            work.signal();
        } finally {
            lock.unlock();
        }
        return job;
    }

    /** What the scheduler is doing and has done. */
    public BatchStats stats() {
        int active;
        int waiting;
        lock.lock();
        try {
            active = occupied;
            waiting = queue.size();
        } finally {
            lock.unlock();
        }
        return new BatchStats(slots.length, active, waiting, requests.get(), completed.get(), failed.get(),
                cancelled.get(), rejected.get(), promptTokens.get(), generatedTokens.get(), decodeSteps.get(),
                rate.perSecond(System.nanoTime()));
    }

    /**
     * Stops taking requests; those still waiting fail, those running continue until they end or
     * {@code grace} passes, when they end as {@code INTERRUPTED} (their listeners are told
     * normally). Returns at once; see {@link #awaitTermination}.
     */
    public void shutdown(Duration grace) {
        lock.lock();
        try {
            accepting = false;
            if (!stopping) {
                stopping = true;
                deadline = System.nanoTime() + Math.max(0, grace.toNanos());
            }
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the scheduler's thread to end after {@link #shutdown}; true if it has. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return thread.join(timeout);
    }

    /** Shuts down with no grace and waits for the thread. */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the scheduler thread

    private void run() {
        while (true) {
            List<Job> waitingFailed = new ArrayList<>();
            boolean forceEnd;
            lock.lock();
            try {
                admit();
                while (occupied == 0 && queue.isEmpty() && !stopping) {
                    work.awaitUninterruptibly();
                    admit();
                }
                if (stopping) {
                    waitingFailed.addAll(queue);
                    queue.clear();
                }
                if (stopping && occupied == 0) {
                    failAll(waitingFailed);
                    return;
                }
                forceEnd = stopping && System.nanoTime() - deadline >= 0;
            } finally {
                lock.unlock();
            }
            failAll(waitingFailed);
            dropCancelled();
            if (forceEnd) {
                for (Job j : slots) {
                    if (j != null) {
                        j.continuation.interrupt();
                        finish(j);
                    }
                }
                continue;
            }
            decodeStep();
            prefillChunk();
        }
    }

    /** Moves waiting requests into free slots (the caller holds the lock). */
    private void admit() {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null) {
                continue;
            }
            Job job = queue.poll();
            while (job != null && job.cancelled) {
                job.done = true;
                cancelled.incrementAndGet();
                job = queue.poll();
            }
            if (job == null) {
                return;
            }
            if (sessions[i] == null) {
                sessions[i] = model.newSession(contextSize);
            } else {
                sessions[i].rewind(0);
            }
            job.start(i, sessions[i]);
            slots[i] = job;
            occupied++;
        }
    }

    private void failAll(List<Job> jobs) {
        for (Job j : jobs) {
            j.done = true;
            failed.incrementAndGet();
            notify(j, () -> j.listener.onError(new KilnException("the scheduler shut down before the request started")));
        }
    }

    private void dropCancelled() {
        for (Job j : slots) {
            if (j != null && j.cancelled) {
                free(j);
                cancelled.incrementAndGet();
            }
        }
    }

    /** Evaluates prompt chunks of the slots still prefilling, one chunk in all, taking turns. */
    private void prefillChunk() {
        for (int k = 0; k < slots.length; k++) {
            int i = (nextPrefill + k) % slots.length;
            Job j = slots[i];
            if (j != null && j.prefilling()) {
                nextPrefill = (i + 1) % slots.length;
                int[] prompt = j.request.prompt();
                int n = Math.min(options.prefillChunk(), prompt.length - j.prefilled);
                float[] logits;
                try {
                    logits = j.session.forward(prompt, j.prefilled, n, false);
                } catch (RuntimeException e) {
                    fail(j, e);
                    return;
                }
                j.prefilled += n;
                promptTokens.addAndGet(n);
                if (!j.prefilling()) {
                    j.promptDone = System.nanoTime();
                    advance(j, logits);
                }
                return;
            }
        }
    }

    /** One token for every decoding slot, in one batched pass. */
    private void decodeStep() {
        List<Job> decoding = new ArrayList<>(slots.length);
        for (Job j : slots) {
            if (j != null && !j.prefilling()) {
                decoding.add(j);
            }
        }
        if (decoding.isEmpty()) {
            return;
        }
        List<KilnSession> batch = new ArrayList<>(decoding.size());
        int[] tokens = new int[decoding.size()];
        for (int i = 0; i < tokens.length; i++) {
            batch.add(decoding.get(i).session);
            tokens[i] = decoding.get(i).nextToken;
        }
        float[][] logits;
        try {
            logits = model.decode(batch, tokens);
        } catch (RuntimeException e) {
            decodeOneByOne(decoding); // find the sequence that failed; the others go on
            return;
        }
        decodeSteps.incrementAndGet();
        rate.add(System.nanoTime(), tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            advance(decoding.get(i), logits[i]);
        }
    }

    private void decodeOneByOne(List<Job> decoding) {
        for (Job j : decoding) {
            float[] logits;
            try {
                logits = j.session.forward(new int[] {j.nextToken}, 0, 1, false);
            } catch (RuntimeException e) {
                fail(j, e);
                continue;
            }
            rate.add(System.nanoTime(), 1);
            advance(j, logits);
        }
    }

    /** Samples the job's next token from {@code logits}, streams its text, ends it if it is done. */
    private void advance(Job j, float[] logits) {
        byte[] text;
        try {
            text = j.continuation.step(logits, j.session.position() < j.session.contextLength());
        } catch (RuntimeException e) {
            fail(j, e);
            return;
        }
        generatedTokens.incrementAndGet();
        emit(j, text);
        if (j.continuation.ended()) {
            finish(j);
        } else {
            j.nextToken = j.continuation.next();
        }
    }

    private void emit(Job j, byte[] text) {
        if (text.length > 0 && !j.cancelled) {
            String piece = new String(text, StandardCharsets.UTF_8);
            notify(j, () -> j.listener.onText(piece));
        }
    }

    private void finish(Job j) {
        emit(j, j.continuation.finish());
        long now = System.nanoTime();
        Completion c = j.continuation.completion(j.request.prompt().length, j.promptDone - j.started,
                now - j.promptDone);
        free(j);
        if (!j.cancelled) {
            completed.incrementAndGet();
            notify(j, () -> j.listener.onComplete(c));
        } else {
            cancelled.incrementAndGet();
        }
    }

    private void fail(Job j, RuntimeException e) {
        free(j);
        failed.incrementAndGet();
        KilnException error = e instanceof KilnException k ? k : new KilnException("internal error: " + e, e);
        if (!j.cancelled) {
            notify(j, () -> j.listener.onError(error));
        }
    }

    private void free(Job j) {
        j.done = true;
        lock.lock();
        try {
            if (slots[j.slot] == j) {
                slots[j.slot] = null;
                occupied--;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Calls a listener; one that throws is treated as a cancellation of its request. */
    private static void notify(Job j, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            j.cancelled = true;
        }
    }

    /** A request and, once it has a slot, its sequence's state. */
    private static final class Job implements BatchHandle {
        final BatchRequest request;
        final BatchListener listener;
        volatile boolean cancelled;
        volatile boolean done;
        int slot = -1;
        KilnSession session;
        Continuation continuation;
        int prefilled;
        int nextToken;
        long started;
        long promptDone;

        Job(BatchRequest request, BatchListener listener) {
            this.request = request;
            this.listener = listener;
        }

        void start(int slot, KilnSession session) {
            this.slot = slot;
            this.session = session;
            Sampler sampler = new Sampler(request.params().sampling());
            sampler.acceptAll(request.prompt());
            this.continuation = new Continuation(session.model().tokenizer(), sampler, request.params().options());
            this.started = System.nanoTime();
        }

        boolean prefilling() {
            return prefilled < request.prompt().length;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public boolean isDone() {
            return done;
        }
    }
}
