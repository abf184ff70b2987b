package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Batch;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.LayerHook;
import io.specprefill.udf.llama.LlamaForward;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.llama.Logits;
import io.specprefill.udf.llama.QueryRecorder;
import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.LlamaWeights;
import io.specprefill.udf.testing.TinyLlama;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole forward pass on CudaBackend against CpuBackend, on random tiny Llamas with BF16 weights
 * (identical on both backends). The GPU rounds GEMM inputs, attention Q/P and the KV cache to BF16,
 * so logits are compared norm-wise (||gpu - cpu|| / ||cpu|| &lt; 2e-2) and by argmax wherever the CPU's
 * top-2 margin exceeds 0.05 (a near tie may legitimately flip). Decoding is teacher-forced with the
 * CPU's tokens, so every step is compared even after a near tie.
 */
class CudaForwardTest {
    private final CpuBackend cpu = new CpuBackend();

    static final double NEAR_TIE = 0.05;

    /** Top-1 minus top-2 of a logits row. */
    static double margin(float[] row) {
        float a = Float.NEGATIVE_INFINITY, b = Float.NEGATIVE_INFINITY;
        for (float v : row) {
            if (v > a) { b = a; a = v; } else if (v > b) b = v;
        }
        return a - b;
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
        return best;
    }

    private static float[] rows(Logits l) {
        float[] all = new float[l.rows() * l.vocab()];
        float[] row = new float[l.vocab()];
        for (int r = 0; r < l.rows(); r++) System.arraycopy(l.row(r, row), 0, all, r * l.vocab(), l.vocab());
        return all;
    }

    /** Compares logits [R, vocab] norm-wise and by argmax outside near ties; returns the near ties seen. */
    static int compare(float[] ref, float[] got, int vocab, String what) {
        double err = Gpu.relativeError(ref, got);
        assertTrue(err < 2e-2, what + ": ||gpu - cpu|| / ||cpu|| = " + err);
        int ties = 0;
        for (int r = 0; r < ref.length / vocab; r++) {
            float[] a = java.util.Arrays.copyOfRange(ref, r * vocab, (r + 1) * vocab);
            float[] b = java.util.Arrays.copyOfRange(got, r * vocab, (r + 1) * vocab);
            if (margin(a) < NEAR_TIE) {
                ties++;
                continue;
            }
            assertEquals(argmax(a), argmax(b), what + " row " + r + " argmax (cpu margin " + margin(a) + ")");
        }
        return ties;
    }

    @Test
    void prefillWithGapsThenTeacherForcedDecodeMatchesCpu() {
        CudaBackend gpu = Gpu.backend();
        for (boolean tied : new boolean[]{false, true}) {
            LlamaConfig c = TinyLlama.small(tied);
            LlamaWeights w = TinyLlama.weights(c, DType.BF16, 21);
            Random r = new Random(22);
            int n = 150;
            int[] tok = new int[n], pos = new int[n];
            for (int i = 0; i < n; i++) {
                tok[i] = r.nextInt(c.vocabSize());
                pos[i] = i == 0 ? 0 : pos[i - 1] + 1 + (i % 7 == 0 ? r.nextInt(30) : 0);
            }
            try (LlamaModel mc = LlamaModel.upload(cpu, c, w); LlamaModel mg = LlamaModel.upload(gpu, c, w);
                 LlamaForward fc = new LlamaForward(mc); LlamaForward fg = new LlamaForward(mg);
                 Backend.KvCache kc = fc.newCache(1, n + 20); Backend.KvCache kg = fg.newCache(1, n + 20)) {
                int[] all = Gpu.range(0, n);
                float[] ref = rows(fc.prefill(kc, Batch.of(tok, pos), all, LayerHook.NONE));
                int ties = compare(ref, rows(fg.prefill(kg, Batch.of(tok, pos), all, LayerHook.NONE)), c.vocabSize(),
                        "tied=" + tied + " prefill");
                int next = argmax(java.util.Arrays.copyOfRange(ref, (n - 1) * c.vocabSize(), n * c.vocabSize()));
                for (int i = 0; i < 16; i++) {
                    int[] seq = {0}, t = {next}, p = {pos[n - 1] + 1 + i}, s = {n + i};
                    float[] lc = rows(fc.decodeStep(kc, 1, seq, t, p, s, LayerHook.NONE));
                    ties += compare(lc, rows(fg.decodeStep(kg, 1, seq, t, p, s, LayerHook.NONE)), c.vocabSize(),
                            "tied=" + tied + " decode step " + i);
                    next = argmax(lc);
                }
                System.out.println("CudaForwardTest tied=" + tied + ": near ties skipped " + ties + " of " + (n + 16));
            }
        }
    }

    @Test
    void recordedQueriesGiveTheSameImportanceAsCpu() {
        CudaBackend gpu = Gpu.backend();
        LlamaConfig c = TinyLlama.small(true);
        LlamaWeights w = TinyLlama.weights(c, DType.BF16, 23);
        int n = 200, A = 4;
        int[] tok = new int[n];
        Random r = new Random(24);
        for (int i = 0; i < n; i++) tok[i] = r.nextInt(c.vocabSize());
        float[][] s = new float[2][n];
        Backend[] bs = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = bs[i];
            try (LlamaModel m = LlamaModel.upload(b, c, w); LlamaForward f = new LlamaForward(m);
                 Backend.KvCache kv = f.newCache(1, n + A); QueryRecorder rec = new QueryRecorder(b, c, 1, A);
                 Backend.Tensor out = b.tensor(n)) {
                rec.record(n - 1, 0, 0);
                f.prefill(kv, Batch.of(tok), new int[]{n - 1}, rec);
                for (int a = 1; a < A; a++) {   // fixed look-ahead tokens: a near tie must not change the input
                    rec.clear();
                    rec.record(0, 0, a);
                    f.decodeStep(kv, 1, new int[]{0}, new int[]{tok[a]}, new int[]{n - 1 + a}, new int[]{n - 1 + a}, rec);
                }
                b.importance(out, 0, rec.queries(), kv, 0, n, A, A, 13, c.nHeads());
                b.read(out, 0, s[i], n);
            }
        }
        double err = Gpu.relativeError(s[0], s[1]);
        assertTrue(err < 3e-2, "importance through the forward pass: ||gpu - cpu|| / ||cpu|| = " + err);
    }

    /**
     * Decode steps replayed as a CUDA graph give bit-identical logits to the same steps launched op by
     * op (the same kernels on the same data), and the graph is really captured and replayed.
     */
    @Test
    void decodeStepsReplayedAsAGraphEqualStepsLaunchedOneByOne() {
        CudaBackend gpu = Gpu.backend();
        LlamaConfig c = TinyLlama.small(false);
        LlamaWeights w = TinyLlama.weights(c, DType.BF16, 25);
        int n = 40, steps = 12;
        int[] tok = new int[n];
        Random r = new Random(26);
        for (int i = 0; i < n; i++) tok[i] = r.nextInt(c.vocabSize());
        float[][][] logits = new float[2][steps][];
        long[] before = gpu.graphCounts();
        try (LlamaModel m = LlamaModel.upload(gpu, c, w)) {
            for (int g = 0; g < 2; g++) {
                gpu.choice.graphs = g == 0;
                try (LlamaForward f = new LlamaForward(m); Backend.KvCache kv = f.newCache(2, n + steps + 1)) {
                    Batch.Builder bb = Batch.builder();
                    bb.add(0, tok, Gpu.range(0, n), 0);
                    bb.add(1, java.util.Arrays.copyOf(tok, n / 2), Gpu.range(0, n / 2), 0);
                    Logits first = f.prefill(kv, bb.build());
                    int[] next = {first.argmax(0), first.argmax(1)};
                    for (int i = 0; i < steps; i++) {
                        int[] seq = {0, 1}, pos = {n + i, n / 2 + i};
                        Logits l = f.decodeStep(kv, 2, seq, next, pos, pos, LayerHook.NONE);
                        logits[g][i] = rows(l);
                        next = new int[]{l.argmax(0), l.argmax(1)};
                    }
                }
            }
        } finally {
            gpu.choice.reset();
        }
        long[] after = gpu.graphCounts();
        assertTrue(after[0] > before[0], "no CUDA graph was captured");
        assertTrue(after[1] - before[1] >= steps - 3, "graph replays: " + (after[1] - before[1]) + " of " + steps + " steps");
        for (int i = 0; i < steps; i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(logits[1][i], logits[0][i], "decode step " + i + ": graph vs launches");
        }
    }
}
