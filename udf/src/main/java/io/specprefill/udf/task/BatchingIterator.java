package io.specprefill.udf.task;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Streams a partition through a stage in batches: pulls up to {@code batchSize} input rows,
 * {@link #process}es them into as many outputs (same order), hands those out, and repeats. Models
 * are set up on the first pull ({@link #open}), so a partition with no rows loads nothing, and
 * released when the input is exhausted ({@link #close}); a task that stops early should call
 * {@link #close} itself (Spark: a task completion listener).
 */
abstract class BatchingIterator<I, O> implements Iterator<O>, AutoCloseable {
    private final Iterator<I> input;
    private final int batchSize;
    private final ArrayDeque<O> ready = new ArrayDeque<>();
    private boolean opened;
    private boolean closed;

    BatchingIterator(Iterator<I> input, int batchSize) {
        this.input = input;
        this.batchSize = batchSize;
    }

    /** Loads what the stage needs (backend, models); called before the first batch. */
    abstract void open();

    /** One output per input, in input order; must not throw for a bad row. */
    abstract List<O> process(List<I> batch);

    /** Logs the end and frees the per-task state; called once; {@code opened}: whether {@link #open} ran. */
    abstract void release(boolean opened);

    @Override
    public boolean hasNext() {
        if (!ready.isEmpty()) return true;
        if (closed) return false;
        if (!input.hasNext()) {
            close();
            return false;
        }
        if (!opened) {
            opened = true;
            open();
        }
        List<I> batch = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && input.hasNext()) batch.add(input.next());
        List<O> out = process(batch);
        if (out.size() != batch.size()) {
            throw new IllegalStateException("stage produced " + out.size() + " rows for a batch of " + batch.size());
        }
        ready.addAll(out);
        return true;
    }

    @Override
    public O next() {
        if (!hasNext()) throw new NoSuchElementException();
        return ready.poll();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        release(opened);
    }
}
