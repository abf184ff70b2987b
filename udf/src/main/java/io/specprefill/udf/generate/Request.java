package io.specprefill.udf.generate;

import java.util.Arrays;

/**
 * One sequence to generate from (design.md 5): the K prompt tokens to prefill with their RoPE
 * positions (ascending; gaps allowed: kept tokens at their original indices), the position N of the
 * first generated token (generated token i goes to position N + i and KV slot K + i), a token limit,
 * a sampler and an optional stop condition.
 *
 * @param tokens       the K tokens to prefill
 * @param positions    their RoPE positions
 * @param nextPosition N, the original prompt length (&gt; the last position)
 * @param maxNewTokens at least 1
 * @param sampler      one instance per request (samplers may hold a random state)
 * @param stop         extra stop rule, {@link StopCondition#NONE} for none
 */
public record Request(int[] tokens, int[] positions, int nextPosition, int maxNewTokens, Sampler sampler,
                      StopCondition stop) {

    public Request {
        if (tokens.length == 0) throw new IllegalArgumentException("request: no prompt tokens");
        if (tokens.length != positions.length) {
            throw new IllegalArgumentException("request: " + tokens.length + " tokens but " + positions.length + " positions");
        }
        for (int i = 1; i < positions.length; i++) {
            if (positions[i] <= positions[i - 1]) {
                throw new IllegalArgumentException("request: positions must ascend, but position[" + i + "]=" + positions[i]
                        + " follows " + positions[i - 1]);
            }
        }
        if (positions[0] < 0 || nextPosition <= positions[positions.length - 1]) {
            throw new IllegalArgumentException("request: positions " + positions[0] + ".." + positions[positions.length - 1]
                    + " and next position " + nextPosition + " must satisfy 0 <= first <= last < next");
        }
        if (maxNewTokens < 1) throw new IllegalArgumentException("request: maxNewTokens=" + maxNewTokens + " must be >= 1");
        if (sampler == null) throw new IllegalArgumentException("request: no sampler");
        stop = stop == null ? StopCondition.NONE : stop;
    }

    /** Plain generation: the whole prompt at positions 0..N-1, greedy, no stop condition. */
    public static Request greedy(int[] prompt, int maxNewTokens) {
        return full(prompt, maxNewTokens, Sampler.ARGMAX, StopCondition.NONE);
    }

    /** The whole prompt at positions 0..N-1. */
    public static Request full(int[] prompt, int maxNewTokens, Sampler sampler, StopCondition stop) {
        int[] pos = new int[prompt.length];
        for (int i = 0; i < pos.length; i++) pos[i] = i;
        return new Request(prompt, pos, prompt.length, maxNewTokens, sampler, stop);
    }

    /** K, the number of prefilled tokens. */
    public int kept() {
        return tokens.length;
    }

    @Override
    public String toString() {
        return "Request[K=" + tokens.length + ", N=" + nextPosition + ", maxNewTokens=" + maxNewTokens
                + ", positions=" + Arrays.toString(Arrays.copyOf(positions, Math.min(8, positions.length))) + "...]";
    }
}
