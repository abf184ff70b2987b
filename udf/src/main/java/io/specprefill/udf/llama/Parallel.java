package io.specprefill.udf.llama;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * {@code parallelFor} over one per-JVM fork/join pool of {@code specprefill.threads} workers
 * (default: every core). Callers pass a count of coarse work items (row blocks, heads), not of
 * elements, so that each item is worth a task.
 */
public final class Parallel {
    private Parallel() {
    }

    private static final ForkJoinPool POOL = new ForkJoinPool(threads());

    /** Worker count: {@code -Dspecprefill.threads=N}, default all available processors. */
    public static int threads() {
        int n = Integer.getInteger("specprefill.threads", Runtime.getRuntime().availableProcessors());
        if (n < 1) throw new IllegalArgumentException("specprefill.threads=" + n + " must be >= 1");
        return n;
    }

    /** Runs body(i) for every i in [0, n) on the pool; returns when all are done, rethrows the first failure. */
    public static void parallelFor(int n, IntConsumer body) {
        if (n <= 0) return;
        if (n == 1 || POOL.getParallelism() == 1) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        ForRange task = new ForRange(body, 0, n);
        Thread t = Thread.currentThread();
        try {
            if (t instanceof ForkJoinWorkerThread && ((ForkJoinWorkerThread) t).getPool() == POOL) {
                task.invoke(); // nested call from a worker: join inside the pool, never block a worker
            } else {
                POOL.invoke(task);
            }
        } catch (RuntimeException | Error e) {
            throw unwrap(e);
        }
    }

    /**
     * Fork/join rethrows a failure from another thread as a copy of the same type wrapping the
     * original, once per thread it crossed (a nested split can add two layers); callers get the
     * original back, so that op messages (shapes, names) stay readable.
     */
    private static Throwable unwrapCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause().getClass() == t.getClass()) t = t.getCause();
        return t;
    }

    private static RuntimeException unwrap(Throwable e) {
        Throwable original = unwrapCause(e);
        if (original instanceof Error) throw (Error) original;
        return (RuntimeException) original;
    }

    /** Splits [lo, hi) in halves down to single items. */
    private static final class ForRange extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient IntConsumer body;
        private final int lo;
        private final int hi;

        ForRange(IntConsumer body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.accept(lo);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new ForRange(body, lo, mid), new ForRange(body, mid, hi));
        }
    }
}
