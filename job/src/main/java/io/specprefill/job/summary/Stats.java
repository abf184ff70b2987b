package io.specprefill.job.summary;

import java.util.Arrays;

/**
 * Mean and percentiles of a sample, percentiles by linear interpolation between order statistics
 * (numpy's default), so p50 of {1, 2, 3, 4} is 2.5. All NaN for an empty sample.
 */
public record Stats(long count, double mean, double p50, double p90, double max) {

    public static Stats of(double[] values) {
        if (values.length == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return new Stats(sorted.length, Arrays.stream(sorted).average().orElseThrow(), percentile(sorted, 50),
                percentile(sorted, 90), sorted[sorted.length - 1]);
    }

    /** {@code q} in [0, 100] of an ascending, non-empty array. */
    static double percentile(double[] sorted, double q) {
        double rank = q / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
    }
}
