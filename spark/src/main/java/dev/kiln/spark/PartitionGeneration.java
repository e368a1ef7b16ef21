package dev.kiln.spark;

import dev.kiln.api.KilnException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;

/**
 * {@link KilnSpark#generate}'s work on one partition: the rows go to the executor's shared model
 * with twice {@code slots} in flight (the rows come out in their input order, so while the task
 * waits for its oldest row the ones behind it keep every slot busy), each with its text and error (or its
 * {@link RowResult} struct). Rows still in flight when the task ends early (a {@code limit}, a
 * failure, a kill) are cancelled.
 */
final class PartitionGeneration implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final KilnSparkSettings settings;
    private final int promptIndex;
    private final int keyIndex;
    private final String keyColumn;
    private final boolean detailed;

    /**
     * @param keyIndex the key column's index, or -1 to key rows by their prompt's hash
     * @param detailed add one {@link RowResult} struct instead of text and error
     */
    PartitionGeneration(KilnSparkSettings settings, int promptIndex, int keyIndex, boolean detailed) {
        this.settings = settings;
        this.promptIndex = promptIndex;
        this.keyIndex = keyIndex;
        this.keyColumn = settings.keyColumn();
        this.detailed = detailed;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        GeneratedRows rows = new GeneratedRows(input);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> rows.cancelInFlight());
        }
        return rows;
    }

    /** A row waiting for its result. */
    private record InFlight(Row row, Long key, RowGeneration generation) {
    }

    private final class GeneratedRows implements Iterator<Row> {
        private final Iterator<Row> input;
        private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        private ExecutorModel model;

        GeneratedRows(Iterator<Row> input) {
            this.input = input;
        }

        @Override
        public boolean hasNext() {
            fill();
            return !inFlight.isEmpty();
        }

        @Override
        public Row next() {
            fill();
            InFlight head = inFlight.poll();
            if (head == null) {
                throw new NoSuchElementException();
            }
            RowResult r = head.generation().await(model == null ? null : model.scheduler());
            if (r.error() != null && settings.failOnError()) {
                cancelInFlight();
                throw new RowFailedException("kiln: " + (head.key() == null ? "a row" : "the row with " + keyColumn
                        + " = " + head.key()) + " cannot be generated: " + r.error());
            }
            fill();
            return output(head.row(), r);
        }

        /** Submits input rows until twice {@code slots} are in flight or the input ends. */
        private void fill() {
            while (inFlight.size() < 2 * settings.slots() && input.hasNext()) {
                Row row = input.next();
                Long key = keyIndex < 0 || row.isNullAt(keyIndex) ? null : ((Number) row.get(keyIndex)).longValue();
                inFlight.add(new InFlight(row, key, submit(row, key)));
            }
        }

        private RowGeneration submit(Row row, Long key) {
            if (row.isNullAt(promptIndex)) {
                return RowGeneration.finished(RowResult.NULL_PROMPT);
            }
            String prompt = row.getString(promptIndex);
            if (model == null) {
                model = ExecutorModels.acquire(settings);
            }
            try {
                long seed = settings.rowSeed(key != null ? key : KilnSparkSettings.promptKey(prompt));
                return model.submit(prompt, settings.params(seed, null, null), settings.chat());
            } catch (KilnException e) {
                return RowGeneration.finished(RowResult.failed(e.getMessage(), 0));
            }
        }

        void cancelInFlight() {
            for (InFlight f : inFlight) {
                f.generation().cancel();
            }
        }

        private Row output(Row in, RowResult r) {
            int n = in.length();
            Object[] values = new Object[n + (detailed ? 1 : 2)];
            for (int i = 0; i < n; i++) {
                values[i] = in.get(i);
            }
            if (detailed) {
                values[n] = r.toRow();
            } else {
                values[n] = r.text();
                values[n + 1] = r.error();
            }
            return RowFactory.create(values);
        }
    }
}
