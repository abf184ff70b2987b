package io.specprefill.udf.task;

import io.specprefill.udf.Timer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * The per-partition log lines of a stage: one at start, one per batch when at least
 * {@link #INTERVAL_SECONDS} passed since the last line, one at the end, e.g.
 * {@code stage1 partition 3/64: 12 prompts (1 error), 98.2k tokens, 12.1 s, 8.1k tok/s}.
 * The row total is unknown while a partition streams, so lines count what is done.
 * Not thread-safe: one per task.
 */
final class Progress {
    private static final Logger LOG = System.getLogger("io.specprefill.udf.task");
    private static final double INTERVAL_SECONDS = 10;

    private final String label;
    private final Timer start = Timer.start();
    private Timer lastLine = start;
    private int rows;
    private int errors;
    private long tokens;

    Progress(String label, String what) {
        this.label = label;
        LOG.log(Level.INFO, label + ": start, " + what);
    }

    /** Counts one finished row and the tokens it processed. */
    void row(long rowTokens, boolean error) {
        rows++;
        tokens += rowTokens;
        if (error) errors++;
    }

    /** After a batch: a line when the interval has passed. */
    void batchDone() {
        if (lastLine.seconds() >= INTERVAL_SECONDS) {
            lastLine = Timer.start();
            LOG.log(Level.INFO, line());
        }
    }

    /** The last line; {@code activity} (the backend's, "" for none) follows it. */
    void end(String activity) {
        LOG.log(Level.INFO, line() + ", done" + (activity.isEmpty() ? "" : "; " + activity));
    }

    /** Logs a row's error (the row carries it too; the log shows it while the job runs). */
    void warn(String id, String error) {
        LOG.log(Level.WARNING, label + ": row " + id + ": " + error);
    }

    String line() {
        double seconds = start.seconds();
        return String.format(Locale.ROOT, "%s: %d prompt%s%s, %s tokens, %.1f s, %s tok/s", label, rows,
                rows == 1 ? "" : "s", errors == 0 ? "" : " (" + errors + (errors == 1 ? " error)" : " errors)"),
                human(tokens), seconds, human(seconds > 0 ? tokens / seconds : 0));
    }

    /** 8123 -> "8.1k", 2.5e6 -> "2.5M". */
    static String human(double v) {
        if (v >= 1e6) return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        if (v >= 1e3) return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
