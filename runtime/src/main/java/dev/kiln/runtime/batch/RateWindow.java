package dev.kiln.runtime.batch;

import java.util.ArrayDeque;

/** Events per second over a sliding window of time (generated tokens per second for metrics). */
final class RateWindow {
    private final long windowNanos;
    private final ArrayDeque<long[]> events = new ArrayDeque<>();
    private long count;

    RateWindow(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    synchronized void add(long now, long n) {
        events.addLast(new long[] {now, n});
        count += n;
        expire(now);
    }

    synchronized double perSecond(long now) {
        expire(now);
        return count * 1e9 / windowNanos;
    }

    private void expire(long now) {
        while (!events.isEmpty() && now - events.peekFirst()[0] > windowNanos) {
            count -= events.pollFirst()[1];
        }
    }
}
