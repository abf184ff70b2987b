package io.specprefill.udf.task;

import io.specprefill.udf.llama.Backends;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A stage over one partition, in batches: pulls up to {@code batchSize} rows, {@link #prepare}s each
 * (tokenize, build a request), {@link #run}s those that need the model as one batch, and hands out
 * one output per row, in input order. A batch that fails (out of device memory, a row the model
 * rejects) runs again one row at a time, so only the row that fails alone gets an error
 * ({@link #failed}). This retry lives here, once, for both stages.
 *
 * <p>Models load on the first pull ({@link #open}), so a partition with no rows loads nothing, and
 * are freed when the input ends ({@link #close}); a task that stops early closes the iterator itself
 * (Spark: a task completion listener). Progress goes to the log ({@link Progress}).
 *
 * @param <I> the stage's input row
 * @param <W> a row's work for the batch (the input plus what {@link #prepare} made of it)
 * @param <O> the stage's output row
 */
public abstract class BatchingIterator<I, W, O extends StageRow> implements Iterator<O>, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.specprefill.udf.task");

    private final Iterator<I> input;
    private final int batchSize;
    private final String label;
    private final ArrayDeque<O> ready = new ArrayDeque<>();
    private Progress progress;
    private boolean opened;
    private boolean closed;
    /**
     * The backend this task's batches run on, set by {@link #openBackend} (null without one). Tasks of one
     * JVM that share it take turns: a batch runs while holding its monitor (see ModelCache#backend).
     */
    Object device;

    BatchingIterator(Iterator<I> input, int batchSize, String label) {
        this.input = input;
        this.batchSize = batchSize;
        this.label = label;
    }

    /**
     * Chooses this task's backend ({@code backend} as configured, on GPU {@code deviceOrdinal}), logs
     * the choice once per JVM, and makes the shared backend this task's {@link #device}.
     */
    Backends.Choice openBackend(String backend, int deviceOrdinal) {
        Backends.Choice choice = Backends.choose(backend, deviceOrdinal);
        ModelCache.noteBackend(choice);
        device = ModelCache.backend(choice);
        return choice;
    }

    /** The prefix of this task's log lines, e.g. "stage 2 partition 3/64". */
    String label() {
        return label;
    }

    /** Loads what the stage needs (backend, models); returns what the start line says about it. */
    abstract String open();

    /** A row's work; never throws (a row that cannot be used carries its error to {@link #done}). */
    abstract W prepare(I row);

    /** The output of a row that needs no batch work (an error, or nothing to compute); else null. */
    abstract O done(W work);

    /** One output per work item, in order. May throw: the batch then runs again one row at a time. */
    abstract List<O> run(List<W> batch);

    /** The output of a row whose work failed when run alone. */
    abstract O failed(W work, Throwable error);

    /** The backend's {@link io.specprefill.udf.llama.Backend#activity} for the end line ("" when none). */
    private String activity() {
        if (!(device instanceof io.specprefill.udf.llama.Backend b)) return "";
        synchronized (device) {
            return b.activity();
        }
    }

    /** Frees what {@link #open} loaded; called once, and only when open was called. */
    abstract void release();

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
            progress = new Progress(label, open());
        }
        List<I> batch = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && input.hasNext()) batch.add(input.next());
        ready.addAll(process(batch));
        return true;
    }

    @Override
    public O next() {
        if (!hasNext()) throw new NoSuchElementException(label + ": no more rows");
        return ready.poll();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (!opened) {
            LOG.log(System.Logger.Level.INFO, label + ": no rows");
            return;
        }
        release();
        if (progress != null) progress.end(activity());
    }

    private List<O> process(List<I> batch) {
        List<O> out = new ArrayList<>(Collections.nCopies(batch.size(), null));
        List<W> work = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            W w = prepare(batch.get(i));
            O finished = done(w);
            if (finished != null) {
                out.set(i, finished);
            } else {
                work.add(w);
                at.add(i);
            }
        }
        runOrRetry(work, at, out);
        for (O o : out) {
            progress.row(o.tokens(), o.error() != null);
            if (o.error() != null) progress.warn(o.source().id(), o.error());
        }
        progress.batchDone();
        return out;
    }

    /** Runs work as one batch into out[at[j]]; if that fails, each item alone. */
    private void runOrRetry(List<W> work, List<Integer> at, List<O> out) {
        if (work.isEmpty()) return;
        List<O> results;
        try {
            results = run(work);
        } catch (RuntimeException | OutOfMemoryError e) {
            if (work.size() == 1) {
                out.set(at.get(0), failed(work.get(0), e));
                return;
            }
            for (int j = 0; j < work.size(); j++) runOrRetry(List.of(work.get(j)), List.of(at.get(j)), out);
            return;
        }
        if (results.size() != work.size()) {
            throw new IllegalStateException(label + ": a batch of " + work.size() + " rows gave " + results.size());
        }
        for (int j = 0; j < work.size(); j++) out.set(at.get(j), results.get(j));
    }
}
