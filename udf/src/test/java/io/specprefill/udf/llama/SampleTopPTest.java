package io.specprefill.udf.llama;

import io.specprefill.udf.testing.TopPReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CpuBackend.sampleTopP (the twin of sample_top_p.cu) against the double, sort-based TopPReference. */
class SampleTopPTest {
    private final CpuBackend cpu = new CpuBackend();

    /** Runs the op on logits [R, vocab] with one temperature / top-p for all rows. */
    private int[] sample(float[] logits, int R, int vocab, float t, float p, float[] u) {
        float[] ts = new float[R], ps = new float[R];
        Arrays.fill(ts, t);
        Arrays.fill(ps, p);
        try (Backend.Tensor l = cpu.tensor((long) R * vocab); Backend.Ints o = cpu.ints(R)) {
            cpu.write(l, 0, logits, R * vocab);
            int[] poison = new int[R];
            Arrays.fill(poison, -1);
            cpu.write(o, poison, R);
            cpu.sampleTopP(o, l, R, vocab, ts, ps, u);
            int[] out = new int[R];
            cpu.read(o, out, R);
            return out;
        }
    }

    @ParameterizedTest(name = "R={0} vocab={1} scale={2} T={3} topP={4}")
    @CsvSource({"3, 7, 3, 1.0, 0.9", "4, 1001, 5, 0.7, 0.5", "3, 50, 2, 1.3, 1.0", "2, 1001, 8, 1.0, 1e-6",
            "2, 128256, 20, 1.0, 0.95", "1, 128256, 20, 0.8, 1.0"})
    void matchesTheDoubleReference(int R, int vocab, double scale, float t, float p) {
        Random rnd = new Random(vocab * 31L + R);
        float[] logits = new float[R * vocab];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) ((2 * rnd.nextDouble() - 1) * scale);
        int draws = vocab > 10000 ? 8 : 100, unambiguous = 0;
        for (int d = 0; d < draws; d++) {
            float[] u = new float[R];
            for (int r = 0; r < R; r++) u[r] = rnd.nextFloat();
            int[] ids = sample(logits, R, vocab, t, p, u);
            for (int r = 0; r < R; r++) {
                Set<Integer> ok = TopPReference.acceptable(logits, r * vocab, vocab, t, p, u[r], 1e-6);
                assertTrue(ok.contains(ids[r]), "row " + r + " u=" + u[r] + ": id " + ids[r] + " not in " + ok);
                if (ok.size() == 1) unambiguous++;
            }
        }
        assertTrue(unambiguous >= 0.8 * draws * R, unambiguous + " of " + draws * R + " draws unambiguous");
    }

    @Test
    void tinyTopPIsArgmax() {
        int R = 5, vocab = 3001;
        Random rnd = new Random(3);
        float[] logits = new float[R * vocab];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) rnd.nextGaussian() * 4;
        float[] u = new float[R];
        for (int r = 0; r < R; r++) u[r] = rnd.nextFloat();
        int[] greedy = new int[R];
        try (Backend.Tensor l = cpu.tensor((long) R * vocab); Backend.Ints o = cpu.ints(R)) {
            cpu.write(l, 0, logits, R * vocab);
            cpu.argmax(o, l, R, vocab);
            cpu.read(o, greedy, R);
        }
        assertArrayEquals(greedy, sample(logits, R, vocab, 0.9f, 1e-7f, u));
    }

    @Test
    void aTieAtTheThresholdIsKeptWhole() {
        // p = (0.757, 0.102, 0.102, 0.038): top-p 0.8 needs token 0 and one of the tied tokens 1, 2: both stay in
        float[] logits = {3, 1, 1, 0};
        Set<Integer> seen = new TreeSet<>();
        for (int i = 0; i < 1000; i++) seen.add(sample(logits, 1, 4, 1f, 0.8f, new float[]{i / 1000f})[0]);
        assertEquals(Set.of(0, 1, 2), seen);
        // all three maxima tied, tiny top-p: the nucleus is the three of them, drawn in ascending id
        float[] ties = {0, 2, 2, 1, 2};
        assertEquals(1, sample(ties, 1, 5, 1f, 1e-6f, new float[]{0.2f})[0]);
        assertEquals(2, sample(ties, 1, 5, 1f, 1e-6f, new float[]{0.5f})[0]);
        assertEquals(4, sample(ties, 1, 5, 1f, 1e-6f, new float[]{0.9f})[0]);
    }

    @Test
    void aPeakedRowAlwaysGivesItsPeak() {
        int vocab = 128256;
        float[] logits = new float[vocab];
        Arrays.fill(logits, -5f);
        logits[77777] = 30f;
        for (float u : new float[]{0f, 0.5f, 0.9999999f}) {
            assertEquals(77777, sample(logits, 1, vocab, 1f, 0.99f, new float[]{u})[0], "top-p 0.99, u=" + u);
        }
        // top-p 1 keeps every token (the tail holds 8e-11 of the mass): u = 0 picks the first, the rest the peak
        assertEquals(0, sample(logits, 1, vocab, 1f, 1f, new float[]{0f})[0]);
        assertEquals(77777, sample(logits, 1, vocab, 1f, 1f, new float[]{0.5f})[0]);
        assertEquals(77777, sample(logits, 1, vocab, 1f, 1f, new float[]{0.9999999f})[0]);
    }

    @Test
    void frequenciesMatchTheNucleusProbabilities() {
        int vocab = 40, draws = 20000;
        Random rnd = new Random(11);
        float[] logits = new float[vocab];
        for (int j = 0; j < vocab; j++) logits[j] = (float) rnd.nextGaussian() * 2;
        double[] p = TopPReference.nucleusProbabilities(logits, 0, vocab, 1.5, 0.7);
        int[] hits = new int[vocab];
        float[] u = new float[1];
        for (int d = 0; d < draws; d++) {
            u[0] = rnd.nextFloat();
            hits[sample(logits, 1, vocab, 1.5f, 0.7f, u)[0]]++;
        }
        int inNucleus = 0;
        for (int j = 0; j < vocab; j++) {
            double f = hits[j] / (double) draws, sd = Math.sqrt(p[j] * (1 - p[j]) / draws);
            assertEquals(p[j], f, 4.5 * sd + 1e-9, "token " + j + " (p=" + p[j] + ")");
            if (p[j] > 0) inNucleus++;
        }
        assertTrue(inNucleus > 1 && inNucleus < vocab, inNucleus + " tokens in the nucleus: the test should cut");
    }

    @Test
    void badArgumentsNameTheRowAndValue() {
        try (Backend.Tensor l = cpu.tensor(8); Backend.Ints o = cpu.ints(2)) {
            cpu.write(l, 0, new float[8], 8);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    cpu.sampleTopP(o, l, 2, 4, new float[]{1, 0}, new float[]{1, 1}, new float[]{0, 0}));
            assertTrue(e.getMessage().contains("row 1 temperature=0.0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () ->
                    cpu.sampleTopP(o, l, 2, 4, new float[]{1, 1}, new float[]{0, 1}, new float[]{0, 0}));
            assertTrue(e.getMessage().contains("row 0 topP=0.0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () ->
                    cpu.sampleTopP(o, l, 2, 4, new float[]{1, 1}, new float[]{1, 1}, new float[]{0, 1}));
            assertTrue(e.getMessage().contains("row 1 uniform=1.0"), e.getMessage());
        }
    }
}
