package io.specprefill.udf.llama;

import io.specprefill.udf.generate.Generator;
import io.specprefill.udf.generate.Request;
import io.specprefill.udf.generate.Sampler;
import io.specprefill.udf.generate.StopCondition;
import io.specprefill.udf.generate.StopReason;
import io.specprefill.udf.generate.Generation;
import io.specprefill.udf.model.Model;
import io.specprefill.udf.testing.Approx;
import io.specprefill.udf.testing.CaptureHook;
import io.specprefill.udf.testing.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU forward pass against the Hugging Face reference outputs of both hf-golden models
 * (tiny-draft: BF16, tied, GQA 4/2; tiny-target: F32, untied, GQA 6/2; both llama3 rope scaling).
 * Tolerances as the fixtures' README states for float32: logits 1e-4 max abs, attention 1e-5.
 */
class GoldenForwardTest {
    private final CpuBackend backend = new CpuBackend();

    @ParameterizedTest
    @ValueSource(strings = {"tiny-draft", "tiny-target"})
    void fullPrefillMatchesLogitsArgmaxSumAndAttention(String name) {
        fullPrefill(backend, Golden.load(name), name);
    }

    /** Logits of every row (first 2, last 4, argmax, sum |logits|) and the last 8 rows' attention. */
    static void fullPrefill(Backend backend, Golden g, String name) {
        Model m = Model.load(g.dir);
        int n = g.n(), vocab = m.config().vocabSize();
        int stride = m.config().qDim() + 2 * m.config().kvDim();
        try (LlamaModel model = LlamaModel.upload(backend, m.config(), m.weights());
             LlamaForward f = new LlamaForward(model)) {
            CaptureHook capture = new CaptureHook(backend, m.config().nLayers(), stride);
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) rows[i] = i;
            Logits logits = f.prefill(f.newCache(1, n), Batch.of(g.inputIds), rows, capture);
            float[] all = new float[n * vocab];
            backend.read(logits.tensor(), 0, all, all.length);

            for (int r = 0; r < 2; r++) Approx.assertClose(g.logitsFirst2[r], 0, all, r * vocab, vocab, 1e-4, 0, name + " logits row " + r);
            for (int r = 0; r < 4; r++) {
                int row = n - 4 + r;
                Approx.assertClose(g.logitsLast4[r], 0, all, row * vocab, vocab, 1e-4, 0, name + " logits row " + row);
            }
            double sumAbs = 0;
            int[] argmax = new int[n];
            for (int t = 0; t < n; t++) {
                argmax[t] = logits.argmax(t);
                for (int j = 0; j < vocab; j++) sumAbs += Math.abs(all[t * vocab + j]);
            }
            assertArrayEquals(g.argmaxAll, argmax, name + " argmax at every position");
            assertEquals(g.logitsSumAbs, sumAbs, 1e-4 * g.logitsSumAbs, name + " sum |logits|");
            checkAttention(g, capture, m.config().nHeads(), m.config().nKvHeads(), m.config().headDim(), name);
        }
    }

    /** Softmax of the captured post-RoPE queries of the last 8 rows against the captured keys, per layer and head. */
    private static void checkAttention(Golden g, CaptureHook capture, int H, int G, int D, String name) {
        int n = g.n(), stride = (H + 2 * G) * D;
        assertArrayEquals(new int[]{capture.qkv.length, H, 8, n}, g.attnShape, name + " attn_last8 shape");
        for (int l = 0; l < capture.qkv.length; l++) {
            float[] qkv = capture.qkv[l];
            for (int h = 0; h < H; h++) {
                int kv = H * D + (h / (H / G)) * D;
                for (int a = 0; a < 8; a++) {
                    int t = n - 8 + a;
                    float[] p = new float[n];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    double[] s = new double[t + 1];
                    for (int j = 0; j <= t; j++) {
                        for (int i = 0; i < D; i++) s[j] += (double) qkv[t * stride + h * D + i] * qkv[j * stride + kv + i];
                        s[j] /= Math.sqrt(D);
                        max = Math.max(max, s[j]);
                    }
                    for (int j = 0; j <= t; j++) sum += (s[j] = Math.exp(s[j] - max));
                    for (int j = 0; j <= t; j++) p[j] = (float) (s[j] / sum);
                    Approx.assertClose(g.attnLast8[l][h][a], p, 1e-5, 0, name + " attention layer " + l + " head " + h + " query " + t);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-draft", "tiny-target"})
    void greedyContinuationIsIdentical(String name) {
        greedy(backend, Golden.load(name), name);
    }

    /** 24 greedy tokens after the prompt, no early stop. */
    static void greedy(Backend backend, Golden g, String name) {
        Model m = Model.load(g.dir);
        try (LlamaModel model = LlamaModel.upload(backend, m.config(), m.weights()); Generator gen = new Generator(model)) {
            Generation out = gen.generate(Request.greedy(g.inputIds, 24));
            assertArrayEquals(g.greedy24, out.ids(), name + " greedy_24");
            assertEquals(StopReason.MAX_TOKENS, out.reason());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-draft", "tiny-target"})
    void prunedPrefillAtOriginalPositions(String name) {
        prunedPrefill(backend, Golden.load(name), name);
    }

    /** The kept tokens prefilled at their original positions: last logits, then 16 greedy tokens at n + i. */
    static void prunedPrefill(Backend backend, Golden g, String name) {
        Model m = Model.load(g.dir);
        int[] pos = g.subsetKeepPositions;
        int[] kept = new int[pos.length];
        for (int i = 0; i < pos.length; i++) kept[i] = g.inputIds[pos[i]];
        assertTrue(pos[pos.length - 1] < g.n() - 1 || pos.length < g.n(), "the subset really prunes");
        try (LlamaModel model = LlamaModel.upload(backend, m.config(), m.weights());
             LlamaForward f = new LlamaForward(model); Generator gen = new Generator(model)) {
            Logits last = f.prefill(f.newCache(1, kept.length), Batch.of(kept, pos));
            Approx.assertClose(g.subsetPrefillLastLogits, last.row(0, null), 1e-4, 0, name + " subset_prefill_last_logits");
            Generation out = gen.generate(new Request(kept, pos, g.n(), 16, Sampler.ARGMAX, StopCondition.NONE));
            assertArrayEquals(g.subsetGreedy16, out.ids(), name + " subset_greedy_16 " + Arrays.toString(out.ids()));
        }
    }
}
