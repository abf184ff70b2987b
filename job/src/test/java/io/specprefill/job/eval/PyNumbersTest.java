package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Expected values are what Python 3 / numpy 2 print for the same expressions. */
class PyNumbersTest {
    @Test
    void roundUsesTheExactBinaryValueAndTiesToEven() {
        assertEquals(2.67, PyNumbers.round(2.675, 2), 0.0); // 2.675 is 2.67499999... in binary
        assertEquals(0.12, PyNumbers.round(0.125, 2), 0.0); // exact tie -> even
        assertEquals(0.38, PyNumbers.round(0.375, 2), 0.0); // exact tie -> even
        assertEquals(33.33, PyNumbers.round(100 * 1.0 / 3, 2), 0.0);
        assertEquals(true, Double.isNaN(PyNumbers.round(Double.NaN, 2)));
        assertEquals(12, PyNumbers.roundToInt(12.5));
        assertEquals(14, PyNumbers.roundToInt(13.5));
    }

    @Test
    void npMeanSumsPairwise() {
        // np.mean([1e16] + [1.0] * 8) == 1111111111111112.0, while sum()/len is 1111111111111111.1
        double[] a = {1e16, 1, 1, 1, 1, 1, 1, 1, 1};
        assertEquals(1111111111111112.0, PyNumbers.npMean(a), 0.0);
        // Above 128 elements numpy splits in halves: np.mean([1/(i+1) for i in range(300)]) is
        // 0.02094221293433168 (sum()/len gives 0.020942212934331673).
        double[] b = new double[300];
        double[] c = new double[300];
        for (int i = 0; i < 300; i++) {
            b[i] = 1.0 / (i + 1);
            c[i] = 0.1 * (i % 7);
        }
        assertEquals(0.02094221293433168, PyNumbers.npMean(b), 0.0);
        assertEquals(0.29900000000000004, PyNumbers.npMean(c), 0.0); // sum()/len: 0.2989999999999999
        assertEquals(true, Double.isNaN(PyNumbers.npMean(new double[0])));
    }
}
