package io.specprefill.udf.generate;

import java.util.Locale;

/**
 * What a target's generation takes on its backend, term by term, against the memory there (issue 11's
 * memory plan): the weights (loaded once), then per request the KV cache of its K kept tokens plus its
 * new tokens and the activations of prefilling its K rows. A stage-2 task logs {@link #describe} when
 * it starts and turns a request that cannot fit into an error row that says {@link #whyNot} instead
 * of running out of memory half way.
 *
 * @param weightBytes      the model's weights on the backend
 * @param kvBytesPerToken  one token's keys and values over all layers
 * @param prefillBytesPerRow activations of one prefill row (RunState's buffers)
 * @param logitBytesPerRow one logit row (the last kept token of a request)
 */
public record MemoryPlan(long weightBytes, long kvBytesPerToken, long prefillBytesPerRow, long logitBytesPerRow) {

    /** Bytes a request alone needs: KV cache for K + maxNew slots, activations for K prefill rows and one logit row. */
    public long bytesFor(int kept, int maxNewTokens) {
        return kvBytes(kept, maxNewTokens) + (long) kept * prefillBytesPerRow + logitBytesPerRow;
    }

    long kvBytes(int kept, int maxNewTokens) {
        return ((long) kept + maxNewTokens) * kvBytesPerToken;
    }

    /** Whether a request fits in {@code available} bytes (Generator.bytesAvailable). */
    public boolean fits(int kept, int maxNewTokens, long available) {
        return bytesFor(kept, maxNewTokens) <= available;
    }

    /** The arithmetic of a request that does not fit, for its error row. */
    public String whyNot(int kept, int maxNewTokens, long available, String device) {
        return String.format(Locale.ROOT, "does not fit on %s: the KV cache of %d kept + %d new tokens takes %s "
                        + "(%s a token) and prefilling %d rows %s, %s in all, where %s is available beside the model's "
                        + "%s of weights", device, kept, maxNewTokens, gib(kvBytes(kept, maxNewTokens)),
                kib(kvBytesPerToken), kept, gib((long) kept * prefillBytesPerRow + logitBytesPerRow),
                gib(bytesFor(kept, maxNewTokens)), gib(available), gib(weightBytes));
    }

    /** The plan line a task logs before its first batch. */
    public String describe(long free, long total, String device) {
        long perToken = kvBytesPerToken + prefillBytesPerRow;
        return String.format(Locale.ROOT, "memory plan on %s: weights %s; a prompt token takes %s of KV cache and %s of "
                        + "prefill activations, a new token %s; %s free of %s: room for about %,d prompt tokens at once",
                device, gib(weightBytes), kib(kvBytesPerToken), kib(prefillBytesPerRow), kib(kvBytesPerToken), gib(free),
                gib(total), perToken > 0 ? free / perToken : 0);
    }

    /** GiB, or MiB / KiB below a GiB, so that small models do not read as 0.00 GiB. */
    public static String gib(long bytes) {
        if (bytes >= 1L << 30) return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        return kib(bytes);
    }

    static String kib(long bytes) {
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
}
