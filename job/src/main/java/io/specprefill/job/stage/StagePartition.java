package io.specprefill.job.stage;

import io.specprefill.job.io.Schemas;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Either stage over one Spark partition: rows are {@link Codec#decode}d into the stage's records,
 * the stage's iterator (udf's {@code ScoringIterator} or {@code GenerationIterator}: batches, the
 * per-row retry, model loading) turns them into output records, and those are {@link Codec#encode}d
 * into rows. So a reader follows: partition, iterator, algorithm.
 *
 * <p>Rows that already failed (a reader or stage-1 error) {@link Codec#bypass} the iterator and come
 * out after its rows. The iterator returns one record per input record, in input order, so each
 * output is paired with the row index of the input it answers; an output whose id is not the
 * expected one is a broken contract and fails the task.
 *
 * @param <I> the stage's input record
 * @param <O> the stage's output record
 */
final class StagePartition<I, O> implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(StagePartition.class);

    /** How a stage's rows become records and back. */
    interface Codec<I, O> extends Serializable {
        /** The stage's record of a row, or null when the row already has an error and bypasses the stage. */
        I decode(Row row);

        /** The output row of a row that bypasses the stage. */
        Row bypass(Row row);

        /** The output row of a record (its {@code id} field names the input row it answers). */
        Row encode(long rowIndex, O out);
    }

    /** Starts the stage's iterator over a partition's usable records (closed when the Spark task ends). */
    interface Opener<I, O> extends Serializable {
        Iterator<O> open(Iterator<I> records, int deviceOrdinal, String label);
    }

    private final String stage;
    private final Codec<I, O> codec;
    private final Opener<I, O> opener;
    private final String backend;
    private final int localGpus;
    private final LongAccumulator processed;

    /**
     * @param stage     "stage 1" or "stage 2", the start of the log label
     * @param backend   the config's backend ({@link DeviceAssignment})
     * @param processed counts the rows that went through the iterator (the driver reads it)
     */
    StagePartition(String stage, Codec<I, O> codec, Opener<I, O> opener, String backend, int localGpus,
                   LongAccumulator processed) {
        this.stage = stage;
        this.codec = codec;
        this.opener = opener;
        this.backend = backend;
        this.localGpus = localGpus;
        this.processed = processed;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskContext context = TaskContext.get();
        String label = stage + " partition " + context.partitionId() + "/" + context.numPartitions();
        DeviceAssignment.Device device = DeviceAssignment.of(context, backend, localGpus);
        LOG.info("{}: {}", label, device.rule());
        return new Feed(rows, label, device.ordinal());
    }

    /** The partition's output rows: the iterator's first, then the bypassed ones. */
    final class Feed implements Iterator<Row> {
        private final Iterator<Row> input;
        private final String label;
        private final int deviceOrdinal;
        private final ArrayDeque<Long> indices = new ArrayDeque<>();
        private final ArrayDeque<String> ids = new ArrayDeque<>();
        private final List<Row> bypassed = new ArrayList<>();
        private Iterator<O> output;
        private int nextBypassed;

        Feed(Iterator<Row> input, String label, int deviceOrdinal) {
            this.input = input;
            this.label = label;
            this.deviceOrdinal = deviceOrdinal;
        }

        @Override
        public boolean hasNext() {
            if (output == null) {
                output = opener.open(new Usable(), deviceOrdinal, label);
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
            Row row = codec.encode(index == null ? -1 : index, out);
            if (index == null || !expected.equals(row.getAs("id"))) {
                throw new IllegalStateException(label + ": the stage returned row id " + row.getAs("id")
                        + " where input order expects " + expected + " (one row per input row, in order)");
            }
            if (processed != null) processed.add(1);
            return row;
        }

        /**
         * The iterator frees its per-partition state (device buffers, the draft's KV cache) when its
         * input ends; a Spark task that fails or is killed before that never gets there, and the
         * executor's long-lived backend would keep those buffers. Closing it when the Spark task
         * completes, however it completes, frees them (closing twice is a no-op). No TaskContext (unit
         * tests): nothing to do.
         */
        private void closeWithTask(Iterator<O> iterator) {
            TaskContext context = TaskContext.get();
            if (context == null || !(iterator instanceof AutoCloseable closeable)) return;
            context.addTaskCompletionListener((TaskCompletionListener) done -> {
                try {
                    closeable.close();
                } catch (Exception e) {
                    throw new IllegalStateException(label + ": closing the stage's iterator failed", e);
                }
            });
        }

        /** The records the iterator sees; unusable rows are set aside as they stream past. */
        private final class Usable implements Iterator<I> {
            private I pending;

            @Override
            public boolean hasNext() {
                while (pending == null && input.hasNext()) {
                    Row row = input.next();
                    I record = codec.decode(row);
                    if (record == null) {
                        bypassed.add(codec.bypass(row));
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
}
