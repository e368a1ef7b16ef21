package dev.kiln.spark;

import dev.kiln.api.KilnException;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.batch.BatchOptions;
import dev.kiln.runtime.batch.BatchRequest;
import dev.kiln.runtime.batch.BatchScheduler;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.GenerateParams;
import java.util.ArrayList;
import java.util.List;

/**
 * The model an executor JVM shares between its tasks, with the {@link BatchScheduler} that runs
 * the rows of all of them: each decode step evaluates the next token of every running row in one
 * pass over the weights, and a row's text is exactly what it would get alone.
 */
final class ExecutorModel implements AutoCloseable {
    /** Rows that may wait for a slot: each task bounds its own rows in flight, so this only must not refuse. */
    private static final int QUEUE_LIMIT = 1 << 20;

    private final KilnModel model;
    private final BatchScheduler scheduler;
    private final String endOfTurn;

    ExecutorModel(KilnModel model, int slots) {
        this.model = model;
        this.scheduler = new BatchScheduler(model, BatchOptions.of(slots).withMaxQueue(QUEUE_LIMIT));
        String eot = null;
        try {
            eot = model.chatTemplate().endOfTurn();
        } catch (KilnException e) {
            // a template Kiln does not know: chat mode will report it per row
        }
        this.endOfTurn = eot;
    }

    KilnModel model() {
        return model;
    }

    BatchScheduler scheduler() {
        return scheduler;
    }

    /**
     * Queues {@code prompt}: tokenized as {@code kiln generate} does (BOS, special-token text), or
     * as the user's message of a chat. A prompt that cannot run (too long for a slot's context,
     * no tokens, a bad parameter) gives a row that has already failed with the reason.
     */
    RowGeneration submit(String prompt, GenerateParams params, boolean chat) {
        int[] ids = null;
        try {
            GenerateParams p = params;
            if (chat) {
                ids = model.chatPrompt(List.of(ChatMessage.user(prompt)));
                if (endOfTurn != null) {
                    List<String> stops = new ArrayList<>(params.stop());
                    stops.add(endOfTurn);
                    p = params.withStop(stops);
                }
            } else {
                ids = model.tokenize(prompt);
            }
            RowGeneration row = RowGeneration.pending(ids.length);
            row.started(scheduler.submit(new BatchRequest(ids, p), row));
            return row;
        } catch (KilnException e) {
            return RowGeneration.finished(RowResult.failed(e.getMessage(), ids == null ? 0 : ids.length));
        }
    }

    /** Ends the rows in progress (they fail) and unloads the model. */
    @Override
    public void close() {
        try {
            scheduler.close();
        } finally {
            model.close();
        }
    }
}
