package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.SeqBatch;
import io.specprefill.udf.testing.Approx;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

/**
 * importance_{logits,softmax,pool_max,mean}_v1 against CpuBackend.importance: L layers of keys for n
 * prompt tokens of sequence 1 of a 2-sequence cache (sequence 0 holds other keys, which must not
 * leak in), A of maxQueries recorded queries. Keys are BF16-exact (identical caches), queries float32;
 * only summation orders differ, so the probabilities agree to float32 rounding of the logits
 * (|logit| up to ~10): rtol 1e-4, atol 1e-8 (values are probabilities ~1/n).
 */
class ImportanceKernelTest {
    private final CpuBackend cpu = new CpuBackend();

    @ParameterizedTest(name = "importance L={0} H={1} G={2} D={3} n={4} A={5}/{6} W={7}")
    @CsvSource({"2, 4, 2, 16, 257, 3, 8, 13", "3, 6, 3, 48, 37, 1, 1, 1", "1, 4, 4, 32, 5, 2, 4, 13",
            "16, 32, 8, 64, 2000, 8, 8, 13", "4, 32, 8, 128, 1500, 8, 8, 13"})
    void importanceMatchesCpu(int L, int H, int G, int D, int n, int A, int maxQ, int W) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(11);
        int stride = (H + 2 * G) * D, capacity = n + 3;
        float[][] rows = new float[L][];
        for (int l = 0; l < L; l++) rows[l] = Gpu.uniformBf16(r, n * stride, 1.5);
        float[] queries = Gpu.uniform(r, L * 2 * maxQ * H * D, 1.5);
        float[][] out = new float[2][];
        Backend[] bs = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = bs[i];
            try (Backend.KvCache c = b.kvCache(L, 2, capacity, G, D); Backend.Tensor q = Gpu.tensor(b, queries);
                 Backend.Tensor o = Gpu.poisoned(b, n + 4)) {
                if (b == gpu) gpu.poisonCache(c);
                for (int s = 0; s < 2; s++) {
                    int[] seq = new int[n];
                    java.util.Arrays.fill(seq, s);
                    int[] slot = Gpu.range(0, n);
                    SeqBatch batch = new SeqBatch(2, n, new int[]{0, n}, new int[]{s}, seq, slot, Gpu.ints(b, seq),
                            Gpu.ints(b, slot));
                    for (int l = 0; l < L; l++) {
                        float[] v = s == 1 ? rows[l] : Gpu.uniformBf16(r, n * stride, 1.5);
                        try (Backend.Tensor t = Gpu.tensor(b, v)) {
                            b.kvWrite(c, l, t, batch, H);
                        }
                    }
                }
                b.importance(o, 4, q, c, 1, n, A, maxQ, W, H);
                out[i] = Gpu.read(b, o);
            }
        }
        Approx.assertClose(out[0], 4, out[1], 4, n, 1e-8, 1e-4,
                "importance L=" + L + " H=" + H + " G=" + G + " D=" + D + " n=" + n + " A=" + A + " W=" + W);
    }
}
