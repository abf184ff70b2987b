package io.specprefill.job.stage;

import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.function.ToIntFunction;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes a partition's output rows through and logs one line when the partition is done, e.g.
 * {@code stage 1 partition 3/8: 12 rows (1 error), 12,345 tokens in 4.1 s, 3.0k tok/s}.
 */
final class PartitionProgress implements Iterator<Row> {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionProgress.class);

    private final Iterator<Row> rows;
    private final String label;
    private final ToIntFunction<Row> tokens;
    private final long start = System.nanoTime();
    private long count;
    private long errors;
    private long tokenCount;
    private boolean logged;

    /** {@code tokens}: the work a row stands for (stage 1: N; stage 2: K + generated tokens). */
    PartitionProgress(Iterator<Row> rows, String label, ToIntFunction<Row> tokens) {
        this.rows = rows;
        this.label = label;
        this.tokens = tokens;
    }

    @Override
    public boolean hasNext() {
        boolean more = rows.hasNext();
        if (!more && !logged) {
            logged = true;
            double seconds = (System.nanoTime() - start) / 1e9;
            LOG.info(String.format(Locale.ROOT, "%s: %d rows (%d errors), %,d tokens in %.1f s, %.1fk tok/s", label,
                    count, errors, tokenCount, seconds, tokenCount / Math.max(seconds, 1e-9) / 1000));
        }
        return more;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException(label + ": no more rows");
        }
        Row row = rows.next();
        count++;
        if (row.getAs("error") != null) {
            errors++;
        } else {
            tokenCount += tokens.applyAsInt(row);
        }
        return row;
    }
}
