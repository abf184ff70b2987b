package io.specprefill.job.stage;

import io.specprefill.job.io.Schemas;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.TaskCompletionListener;

/**
 * One partition through one task function. Rows that already failed (a reader or stage-1 error)
 * bypass the task and come out after the task's rows; the others are fed to the task lazily, and
 * since a task returns one record per input record in input order, each output is paired with the
 * row index and id of the input it answers (a mismatch is a broken task contract and fails the task).
 *
 * @param <I> the task's input record
 * @param <O> the task's output record
 */
abstract class TaskFeed<I, O> implements Iterator<Row> {
    private final Iterator<Row> input;
    private final ArrayDeque<Long> indices = new ArrayDeque<>();
    private final ArrayDeque<String> ids = new ArrayDeque<>();
    private final List<Row> bypassed = new ArrayList<>();
    private final String label;
    private Iterator<O> output;
    private int nextBypassed;

    TaskFeed(Iterator<Row> input, String label) {
        this.input = input;
        this.label = label;
    }

    /** The task's record for a row, or null when the row has an error and bypasses the task. */
    abstract I decode(Row row);

    /** The output row of a row that bypasses the task. */
    abstract Row bypass(Row row);

    abstract String id(O out);

    abstract Row encode(long rowIndex, O out);

    /** Starts the task over the usable rows (called once, on first use). */
    abstract Iterator<O> run(Iterator<I> usable);

    @Override
    public boolean hasNext() {
        if (output == null) {
            output = run(new Usable());
            closeWithTask(output);
        }
        return output.hasNext() || nextBypassed < bypassed.size();
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException(label + ": no more rows");
        }
        if (!output.hasNext()) {
            return bypassed.get(nextBypassed++);
        }
        O out = output.next();
        Long index = indices.poll();
        String expected = ids.poll();
        if (index == null || !expected.equals(id(out))) {
            throw new IllegalStateException(label + ": the task returned row id " + id(out) + " where input order "
                    + "expects " + expected + " (tasks must return one row per input row, in order)");
        }
        return encode(index, out);
    }

    /**
     * A task frees its per-partition state (device buffers, the draft's KV cache) when its input
     * ends; a Spark task that fails or is killed before that never gets there, and the executor's
     * long-lived backend would keep those buffers. Closing it when the Spark task completes, however
     * it completes, frees them (closing twice is a no-op). No TaskContext (unit tests): nothing to do.
     */
    private void closeWithTask(Iterator<O> task) {
        TaskContext context = TaskContext.get();
        if (context == null || !(task instanceof AutoCloseable)) return;
        context.addTaskCompletionListener((TaskCompletionListener) done -> {
            try {
                ((AutoCloseable) task).close();
            } catch (Exception e) {
                throw new IllegalStateException(label + ": closing the task failed", e);
            }
        });
    }

    /** The rows the task sees; unusable rows are set aside as they stream past. */
    private final class Usable implements Iterator<I> {
        private I pending;

        @Override
        public boolean hasNext() {
            while (pending == null && input.hasNext()) {
                Row row = input.next();
                I record = decode(row);
                if (record == null) {
                    bypassed.add(bypass(row));
                } else {
                    indices.add(row.getAs(Schemas.ROW_INDEX));
                    ids.add(row.getAs("id"));
                    pending = record;
                }
            }
            return pending != null;
        }

        @Override
        public I next() {
            if (!hasNext()) {
                throw new NoSuchElementException(label + ": no more input rows");
            }
            I record = pending;
            pending = null;
            return record;
        }
    }
}
