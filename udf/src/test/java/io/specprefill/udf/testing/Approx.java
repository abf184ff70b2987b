package io.specprefill.udf.testing;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tolerance checks in llm.c's style: |a - e| &lt;= atol + rtol * |e| per element, non-finite
 * expected entries skipped; a failure names the first mismatches and the max abs/rel error.
 */
public final class Approx {
    private Approx() {
    }

    public static void assertClose(float[] expected, float[] actual, double atol, double rtol, String what) {
        assertClose(expected, 0, actual, 0, expected.length, atol, rtol, what);
    }

    /** Compares expected[eOff..eOff+n) with actual[aOff..aOff+n). */
    public static void assertClose(float[] expected, int eOff, float[] actual, int aOff, int n, double atol,
                                   double rtol, String what) {
        double maxAbs = 0;
        double maxRel = 0;
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < n; i++) {
            double e = expected[eOff + i];
            double a = actual[aOff + i];
            if (!Double.isFinite(e)) continue;
            double diff = Math.abs(a - e);
            if (!(diff <= maxAbs)) maxAbs = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff;
            if (e != 0) maxRel = Math.max(maxRel, diff / Math.abs(e));
            if (!(diff <= atol + rtol * Math.abs(e))) {
                if (bad < 5) first.append(String.format("%n  [%d] expected %.8g, got %.8g (diff %.3g)", i, e, a, diff));
                bad++;
            }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d elements outside atol %.1g + rtol %.1g; max abs %.3g, max rel %.3g%s",
                    what, bad, n, atol, rtol, maxAbs, maxRel, first));
        }
    }

    /** Max |a - e| over the first n elements. */
    public static double maxAbs(float[] expected, float[] actual, int n) {
        double m = 0;
        for (int i = 0; i < n; i++) m = Math.max(m, Math.abs((double) actual[i] - expected[i]));
        return m;
    }
}
