package io.specprefill.udf.generate;

import java.util.List;
import java.util.function.Function;

/**
 * A caller's extra reason to stop generating, checked after every new token (EOS ids and the token
 * limit are checked by the {@link Generator} itself). Pluggable, so that this package does not
 * depend on a tokenizer: stop strings come in through a decode function.
 */
@FunctionalInterface
public interface StopCondition {
    /** True to stop after ids[0..count) (the newest token last; EOS never included). */
    boolean shouldStop(int[] ids, int count);

    StopCondition NONE = (ids, count) -> false;

    /**
     * Stops once the decoded text of the generated ids contains any of {@code stops} (the token that
     * completes it stays in the output). {@code decode} maps ids to text, e.g. a tokenizer's decode.
     */
    static StopCondition onText(Function<int[], String> decode, List<String> stops) {
        if (stops.isEmpty()) return NONE;
        for (String s : stops) {
            if (s == null || s.isEmpty()) throw new IllegalArgumentException("stop strings must be non-empty, got " + stops);
        }
        List<String> copy = List.copyOf(stops);
        return (ids, count) -> {
            String text = decode.apply(java.util.Arrays.copyOf(ids, count));
            for (String s : copy) if (text.contains(s)) return true;
            return false;
        };
    }
}
