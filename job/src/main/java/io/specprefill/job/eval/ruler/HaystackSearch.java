package io.specprefill.job.eval.ruler;

import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * How RULER sizes a haystack for a target length: estimate tokens per haystack unit from one
 * sample of {@code incremental} units, search [incremental, max(3 x estimate, 2 x incremental)]
 * for the largest size whose prompt fits, then, per sample, step down by {@code incremental}
 * while a freshly drawn sample does not fit.
 */
final class HaystackSearch {
    private HaystackSearch() {
    }

    /**
     * The largest haystack size whose total length fits in {@code maxSeqLength}, or
     * {@code incremental} when none does (RULER's fallback).
     *
     * @param totalTokens haystack size -> total length (prompt tokens + tokens to generate + extras)
     *     of a freshly generated sample
     * @param slack       RULER's over-estimate factor of the upper bound (3 for niah and vt)
     */
    static int largestFitting(int incremental, int maxSeqLength, double slack, IntUnaryOperator totalTokens,
                              int sampleTokensAtIncremental) {
        double tokensPerUnit = (double) sampleTokensAtIncremental / incremental;
        int estimatedMax = (int) ((maxSeqLength / tokensPerUnit) * slack);
        int lower = incremental;
        int upper = Math.max(estimatedMax, incremental * 2);
        Integer best = null;
        while (lower <= upper) {
            int mid = (lower + upper) >>> 1;
            if (totalTokens.applyAsInt(mid) <= maxSeqLength) {
                best = mid;
                lower = mid + 1;
            } else {
                upper = mid - 1;
            }
        }
        return best == null ? incremental : best;
    }

    /**
     * RULER's per-sample loop: generate at {@code size}; while the sample is longer than
     * {@code maxSeqLength}, step down by {@code incremental}. RULER loops forever when even
     * {@code incremental} does not fit; this says so instead.
     */
    static RulerSample fit(int size, int incremental, int maxSeqLength, IntFunction<RulerSample> generate, String task) {
        int used = size;
        while (true) {
            RulerSample s = generate.apply(used);
            if (s.length() <= maxSeqLength) {
                return s;
            }
            if (used <= incremental) {
                throw new IllegalArgumentException(task + ": even the smallest haystack (" + used + ") gives "
                        + s.length() + " tokens, more than the requested length " + maxSeqLength);
            }
            used -= incremental;
        }
    }
}
