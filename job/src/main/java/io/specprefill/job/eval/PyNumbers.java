package io.specprefill.job.eval;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Python and numpy arithmetic that the official scorers' last digits depend on: {@code round}
 * (correctly rounded from the exact binary value, ties to even) and {@code np.mean} (pairwise
 * summation, not a left-to-right loop).
 */
public final class PyNumbers {
    private PyNumbers() {
    }

    /** numpy's pairwise-summation block size (PW_BLOCKSIZE in loops_utils.h). */
    private static final int PW_BLOCKSIZE = 128;

    /**
     * Python's {@code round(x, ndigits)} for a float: the exact binary value of x rounded to
     * ndigits decimals, ties to even (so round(2.675, 2) == 2.67). NaN and infinities pass through.
     */
    public static double round(double x, int ndigits) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return x;
        }
        return new BigDecimal(x).setScale(ndigits, RoundingMode.HALF_EVEN).doubleValue();
    }

    /** Python's {@code int(round(x))}: nearest integer, ties to even. */
    public static long roundToInt(double x) {
        return (long) Math.rint(x);
    }

    /**
     * {@code float(np.mean(values))} for a float64 array: numpy adds with pairwise summation
     * (8 accumulators up to 128 elements, halves above) and divides by n. Empty gives NaN, as numpy does.
     */
    public static double npMean(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        return pairwiseSum(values, 0, values.length) / values.length;
    }

    /** numpy's pairwise_sum_DOUBLE over values[from, from + n). */
    static double pairwiseSum(double[] a, int from, int n) {
        if (n < 8) {
            double res = 0.0;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        if (n <= PW_BLOCKSIZE) {
            double[] r = new double[8];
            for (int j = 0; j < 8; j++) {
                r[j] = a[from + j];
            }
            int i = 8;
            for (; i < n - (n % 8); i += 8) {
                for (int j = 0; j < 8; j++) {
                    r[j] += a[from + i + j];
                }
            }
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
    }
}
