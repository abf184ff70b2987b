package io.specprefill.udf;

/**
 * A started stopwatch on the monotonic clock ({@link System#nanoTime}). Every duration the product
 * measures comes from one: a row's draft, prefill, TTFT and decode times, a stage's or a
 * partition's wall time, a model load.
 * <pre>
 * Timer t = Timer.start();
 * ...                      // the work
 * double ms = t.ms();      // read as often as needed; the timer keeps running
 * </pre>
 */
public final class Timer {
    private final long start;

    private Timer(long start) {
        this.start = start;
    }

    public static Timer start() {
        return new Timer(System.nanoTime());
    }

    /** Milliseconds since {@link #start()}. */
    public double ms() {
        return (System.nanoTime() - start) / 1e6;
    }

    /** Seconds since {@link #start()}. */
    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
