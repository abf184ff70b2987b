package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.testing.TopPReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sample_top_p_v1 against CpuBackend.sampleTopP on the same logits and uniforms (per-row temperature
 * and top-p). The CPU twin sums in double, the kernel in float32 trees, so an id may differ only where
 * the draw or the nucleus threshold lies within 1e-5 relative of a boundary: there both ids must be
 * among the double reference's acceptable ids at eps 1e-5, and most rows must be unambiguous.
 */
class SampleTopPKernelTest {
    private final CpuBackend cpu = new CpuBackend();

    private static int[] run(Backend b, float[] logits, int R, int vocab, float[] t, float[] p, float[] u) {
        int[] poison = new int[R];
        Arrays.fill(poison, -1);
        try (Backend.Tensor l = Gpu.tensor(b, logits); Backend.Ints o = Gpu.ints(b, poison)) {
            b.sampleTopP(o, l, R, vocab, t, p, u);
            return Gpu.read(b, o);
        }
    }

    /** minUnambiguous: the share of rows whose acceptable set is one id (a flat 128k row has ~1e-5 per token, so none). */
    @ParameterizedTest(name = "R={0} vocab={1} scale={2}")
    @CsvSource({"1, 1, 1, 1", "3, 7, 3, 0.7", "5, 1001, 5, 0.7", "17, 3005, 2, 0.5", "4, 128256, 20, 0.5",
            "3, 128256, 2, 0", "300, 2048, 8, 0.7"})
    void matchesTheCpuTwin(int R, int vocab, double scale, double minUnambiguous) {
        CudaBackend gpu = Gpu.backend();
        Random rnd = new Random(R * 7919L + vocab);
        float[] logits = Gpu.uniform(rnd, R * vocab, scale);
        float[] t = new float[R], p = new float[R], u = new float[R];
        float[] topPs = {1f, 0.95f, 0.5f, 1e-6f, 0.8f};
        for (int r = 0; r < R; r++) {
            t[r] = 0.5f + rnd.nextFloat();
            p[r] = topPs[r % topPs.length];
            u[r] = r == 1 ? 0f : rnd.nextFloat();
        }
        int[] want = run(cpu, logits, R, vocab, t, p, u);
        int[] got = run(gpu, logits, R, vocab, t, p, u);
        int unambiguous = 0;
        for (int r = 0; r < R; r++) {
            Set<Integer> ok = TopPReference.acceptable(logits, r * vocab, vocab, t[r], p[r], u[r], 1e-5);
            if (ok.size() == 1) unambiguous++;
            String where = "row " + r + " T=" + t[r] + " topP=" + p[r] + " u=" + u[r] + ": gpu " + got[r] + ", cpu "
                    + want[r] + ", acceptable " + ok;
            assertTrue(got[r] >= 0 && got[r] < vocab && ok.contains(got[r]), where);
            assertTrue(got[r] == want[r] || ok.size() > 1, where);
        }
        assertTrue(unambiguous >= minUnambiguous * R, unambiguous + " of " + R + " rows unambiguous");
    }

    @Test
    void tiesAtTheThresholdAreKeptWholeAsOnTheCpu() {
        CudaBackend gpu = Gpu.backend();
        float[] row = {3, 1, 1, 0, 2, 2, -0f, 0f};
        int R = 64, vocab = row.length;
        float[] logits = new float[R * vocab], t = new float[R], p = new float[R], u = new float[R];
        for (int r = 0; r < R; r++) {
            System.arraycopy(row, 0, logits, r * vocab, vocab);
            t[r] = 1f;
            p[r] = r % 2 == 0 ? 0.8f : 0.99f;
            u[r] = (r + 0.5f) / R;
        }
        assertArrayEquals(run(cpu, logits, R, vocab, t, p, u), run(gpu, logits, R, vocab, t, p, u));
    }
}
