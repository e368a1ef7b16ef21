package dev.kiln.server;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.batch.BatchListener;
import dev.kiln.runtime.generate.Completion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One request's output, handed from the batch scheduler's thread (which must never wait on a
 * client) to the request's own thread, which writes it to the client at the client's pace.
 */
final class GenerationStream implements BatchListener {

    /** What the scheduler reported. */
    sealed interface Event {
        record Text(String piece) implements Event {
        }

        record Done(Completion completion) implements Event {
        }

        record Failed(KilnException error) implements Event {
        }
    }

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();

    @Override
    public void onText(String piece) {
        events.add(new Event.Text(piece));
    }

    @Override
    public void onComplete(Completion completion) {
        events.add(new Event.Done(completion));
    }

    @Override
    public void onError(KilnException error) {
        events.add(new Event.Failed(error));
    }

    /** Waits for the next event, then takes it and all that followed it. */
    List<Event> next() throws InterruptedException {
        List<Event> out = new ArrayList<>();
        out.add(events.take());
        events.drainTo(out);
        return out;
    }

    /** Waits for the end: the completion, or the error. */
    Event end() throws InterruptedException {
        while (true) {
            Event e = events.take();
            if (!(e instanceof Event.Text)) {
                return e;
            }
        }
    }
}
