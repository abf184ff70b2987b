package io.specprefill.udf.llama;

import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.testing.NaiveLlama;
import io.specprefill.udf.testing.TinyLlama;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RopeTest {

    @Test
    void plainFrequenciesAreThetaPowers() {
        LlamaConfig c = TinyLlama.config(64, 1, 4, 2, 16, 32, 10, false, 10000f, null);
        float[] inv = Rope.invFreq(c);
        assertEquals(8, inv.length);
        assertEquals(1f, inv[0]);
        for (int i = 0; i < 8; i++) {
            double expected = 1 / Math.pow(10000, i / 8.0);
            assertEquals(expected, inv[i], 3e-7 * expected, "inv_freq[" + i + "]");
        }
    }

    @Test
    void llama3ScalingKeepsHighDividesLowAndSmoothsTheMiddle() {
        LlamaConfig c = TinyLlama.small(false); // D 16, theta 5e5, factor 8, low 1, high 4, original 64
        float[] plain = Rope.plain(16, 500000f);
        float[] inv = Rope.invFreq(c);
        double[] expected = NaiveLlama.invFreq(c);
        boolean kept = false, divided = false, smoothed = false;
        for (int i = 0; i < inv.length; i++) {
            assertEquals(expected[i], inv[i], 1e-6 * expected[i], "inv_freq[" + i + "]");
            double wave = 2 * Math.PI / plain[i];
            if (wave < 16) {
                assertEquals(plain[i], inv[i], "high frequency " + i + " is kept");
                kept = true;
            } else if (wave > 64) {
                assertEquals(plain[i] / 8f, inv[i], "low frequency " + i + " is divided by the factor");
                divided = true;
            } else {
                assertTrue(inv[i] < plain[i] && inv[i] > plain[i] / 8f, "medium frequency " + i + " is interpolated");
                smoothed = true;
            }
        }
        assertTrue(kept && divided && smoothed, "all three llama3 bands are exercised");
    }
}
