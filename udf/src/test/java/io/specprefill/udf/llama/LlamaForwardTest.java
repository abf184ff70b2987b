package io.specprefill.udf.llama;

import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.LlamaWeights;
import io.specprefill.udf.testing.Approx;
import io.specprefill.udf.testing.CaptureHook;
import io.specprefill.udf.testing.NaiveLlama;
import io.specprefill.udf.testing.TinyLlama;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The forward pass on random tiny checkpoints against {@link NaiveLlama}, and its batching invariants. */
class LlamaForwardTest {
    private final CpuBackend backend = new CpuBackend();

    private static int[] tokens(int n, int vocab, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(vocab);
        return t;
    }

    private static int[] range(int from, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = from + i;
        return p;
    }

    private static float[] all(Logits logits) {
        float[] out = new float[logits.rows() * logits.vocab()];
        backendRead(logits, out);
        return out;
    }

    private static void backendRead(Logits logits, float[] out) {
        float[] row = new float[logits.vocab()];
        for (int r = 0; r < logits.rows(); r++) {
            logits.row(r, row);
            System.arraycopy(row, 0, out, r * logits.vocab(), logits.vocab());
        }
    }

    private void checkAgainstNaive(LlamaConfig c, DType dtype, int[] positions) {
        LlamaWeights w = TinyLlama.weights(c, dtype, 11);
        int[] tok = tokens(positions.length, c.vocabSize(), 3);
        try (LlamaModel model = LlamaModel.upload(backend, c, w); LlamaForward f = new LlamaForward(model)) {
            Logits logits = f.prefill(f.newCache(1, tok.length), Batch.of(tok, positions), range(0, tok.length), LayerHook.NONE);
            float[] expected = new NaiveLlama(c, w).logits(tok, positions);
            Approx.assertClose(expected, all(logits), 1e-4, 0, dtype + " logits, positions " + Arrays.toString(positions));
        }
    }

    @Test
    void prefillMatchesNaiveReferenceAtEveryRow() {
        checkAgainstNaive(TinyLlama.small(false), DType.F32, range(0, 23));
    }

    @Test
    void tiedBf16ModelWithPositionGapsMatchesNaive() {
        checkAgainstNaive(TinyLlama.small(true), DType.BF16, new int[]{0, 1, 2, 5, 9, 10, 40, 41, 42, 77, 130, 131});
    }

    @Test
    void f16ModelWithoutScalingAndMhaMatchesNaive() {
        LlamaConfig c = TinyLlama.config(40, 2, 5, 5, 8, 70, 97, false, 10000f, null);
        checkAgainstNaive(c, DType.F16, range(3, 17));
    }

    @Test
    void qwen2BiasesTiedBf16MatchNaive() {
        LlamaConfig c = TinyLlama.config(64, 2, 4, 2, 16, 160, 211, true, 1000000f, null)
                .withArchitecture(LlamaConfig.Architecture.QWEN2);
        checkAgainstNaive(c, DType.BF16, new int[]{0, 1, 2, 6, 7, 20, 21, 22, 90, 91});
    }

    @Test
    void qwen3QkNormsWithHeadDimApartFromHiddenOverHeadsMatchNaive() {
        // head_dim 32 while hidden / heads = 16, as Qwen3 checkpoints do
        LlamaConfig c = TinyLlama.config(64, 2, 4, 2, 32, 160, 211, false, 1000000f, null)
                .withArchitecture(LlamaConfig.Architecture.QWEN3);
        checkAgainstNaive(c, DType.F32, range(0, 19));
        checkAgainstNaive(c, DType.BF16, new int[]{0, 3, 4, 5, 50, 51, 400});
    }

    @Test
    void attentionBiasOnQkvAndOutputMatchesNaive() {
        // Qwen3 (or Llama) with attention_bias: q/k/v and o_proj biases, plus the q/k norms
        LlamaConfig c = TinyLlama.config(48, 2, 6, 3, 8, 96, 97, false, 10000f, TinyLlama.LLAMA3_SMALL)
                .withArchitecture(new LlamaConfig.Architecture("Qwen3ForCausalLM", true, true, true));
        checkAgainstNaive(c, DType.F16, range(2, 15));
    }

    @Test
    void qwenDecodeStepsContinueThePrefill() {
        LlamaConfig c = TinyLlama.config(64, 2, 4, 2, 32, 160, 211, true, 1000000f, null)
                .withArchitecture(new LlamaConfig.Architecture("Qwen3ForCausalLM", true, true, true));
        LlamaWeights w = TinyLlama.weights(c, DType.F32, 6);
        int[] tok = tokens(16, c.vocabSize(), 9);
        int[] pos = new int[16];
        for (int i = 0; i < 16; i++) pos[i] = i < 10 ? 3 * i : 40 + i;
        float[] expected = new NaiveLlama(c, w).logits(tok, pos);
        try (LlamaModel model = LlamaModel.upload(backend, c, w); LlamaForward f = new LlamaForward(model)) {
            Backend.KvCache cache = f.newCache(1, 16);
            Approx.assertClose(expected, 9 * c.vocabSize(), all(f.prefill(cache, Batch.of(Arrays.copyOf(tok, 10),
                    Arrays.copyOf(pos, 10)))), 0, c.vocabSize(), 1e-4, 0, "prefill last row");
            for (int i = 10; i < 16; i++) {
                Logits l = f.decodeStep(cache, 1, new int[]{0}, new int[]{tok[i]}, new int[]{pos[i]}, new int[]{i}, LayerHook.NONE);
                Approx.assertClose(expected, i * c.vocabSize(), all(l), 0, c.vocabSize(), 1e-4, 0, "decode row " + i);
            }
        }
    }

    @Test
    void decodeStepsContinueThePrefill() {
        LlamaConfig c = TinyLlama.small(false);
        LlamaWeights w = TinyLlama.weights(c, DType.F32, 5);
        int[] tok = tokens(20, c.vocabSize(), 8);
        int[] pos = new int[20];
        for (int i = 0; i < 20; i++) pos[i] = i < 12 ? 2 * i : 30 + i; // gaps in the prompt, then N + i
        float[] expected = new NaiveLlama(c, w).logits(tok, pos);
        try (LlamaModel model = LlamaModel.upload(backend, c, w); LlamaForward f = new LlamaForward(model)) {
            Backend.KvCache cache = f.newCache(1, 20);
            Logits first = f.prefill(cache, Batch.of(Arrays.copyOf(tok, 12), Arrays.copyOf(pos, 12)));
            assertEquals(1, first.rows());
            Approx.assertClose(expected, 11 * c.vocabSize(), all(first), 0, c.vocabSize(), 1e-4, 0, "prefill last row");
            for (int i = 12; i < 20; i++) {
                Logits l = f.decodeStep(cache, 1, new int[]{0}, new int[]{tok[i]}, new int[]{pos[i]}, new int[]{i}, LayerHook.NONE);
                Approx.assertClose(expected, i * c.vocabSize(), all(l), 0, c.vocabSize(), 1e-4, 0, "decode row " + i);
            }
        }
    }

    @Test
    void packedBatchOfThreeGivesTheSameLogitsAsEachAlone() {
        LlamaConfig c = TinyLlama.small(false);
        LlamaWeights w = TinyLlama.weights(c, DType.BF16, 9);
        int[][] tok = {tokens(9, c.vocabSize(), 1), tokens(1, c.vocabSize(), 2), tokens(14, c.vocabSize(), 3)};
        int[][] pos = {range(0, 9), new int[]{4}, range(0, 14)};
        pos[2][13] = 50; // a gap
        try (LlamaModel model = LlamaModel.upload(backend, c, w); LlamaForward f = new LlamaForward(model)) {
            float[][] alone = new float[3][];
            float[][] aloneNext = new float[3][];
            for (int s = 0; s < 3; s++) {
                Backend.KvCache cache = f.newCache(1, 16);
                alone[s] = all(f.prefill(cache, Batch.of(tok[s], pos[s])));
                aloneNext[s] = all(f.decodeStep(cache, 1, new int[]{0}, new int[]{7}, new int[]{60}, new int[]{tok[s].length}, LayerHook.NONE));
            }
            Backend.KvCache cache = f.newCache(3, 16);
            Batch packed = Batch.builder().add(2, tok[0], pos[0], 0).add(0, tok[1], pos[1], 0).add(1, tok[2], pos[2], 0).build();
            float[] got = all(f.prefill(cache, packed));
            int[] order = {0, 1, 2};
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(alone[order[i]], Arrays.copyOfRange(got, i * c.vocabSize(), (i + 1) * c.vocabSize()), "sequence " + i);
            }
            float[] next = all(f.decodeStep(cache, 3, new int[]{1, 2, 0}, new int[]{7, 7, 7}, new int[]{60, 60, 60},
                    new int[]{14, 9, 1}, LayerHook.NONE));
            int[] seqOfRow = {2, 0, 1};
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(aloneNext[seqOfRow[i]], Arrays.copyOfRange(next, i * c.vocabSize(), (i + 1) * c.vocabSize()), "decode row " + i);
            }
        }
    }

    @Test
    void chunkedPrefillEqualsOneShot() {
        LlamaConfig c = TinyLlama.small(true);
        LlamaWeights w = TinyLlama.weights(c, DType.F32, 21);
        int[] tok = tokens(23, c.vocabSize(), 4);
        try (LlamaModel model = LlamaModel.upload(backend, c, w); LlamaForward f = new LlamaForward(model)) {
            f.reserve(64, 4);
            float[] oneShot = all(f.prefill(f.newCache(1, 23), Batch.of(tok)));
            Backend.KvCache cache = f.newCache(1, 23);
            f.prefill(cache, Batch.of(Arrays.copyOf(tok, 10)));
            Batch rest = Batch.builder().add(0, Arrays.copyOfRange(tok, 10, 23), range(10, 13), 10).build();
            assertArrayEquals(oneShot, all(f.prefill(cache, rest)));
        }
    }

    @Test
    void queryRecorderStoresPostRopeQueriesWhereImportanceReadsThem() {
        LlamaConfig c = TinyLlama.small(false);
        LlamaWeights w = TinyLlama.weights(c, DType.F32, 2);
        int stride = c.qDim() + 2 * c.kvDim();
        try (LlamaModel model = LlamaModel.upload(backend, c, w); LlamaForward f = new LlamaForward(model);
             QueryRecorder rec = new QueryRecorder(backend, c, 2, 3)) {
            Batch batch = Batch.builder().add(1, tokens(6, c.vocabSize(), 1), range(0, 6), 0)
                    .add(0, tokens(4, c.vocabSize(), 2), range(0, 4), 0).build();
            CaptureHook capture = new CaptureHook(backend, c.nLayers(), stride);
            rec.clear();
            rec.record(5, 1, 2);  // last row of cache sequence 1 -> its query slot 2
            rec.record(7, 0, 0);  // a middle row of cache sequence 0 -> its query slot 0
            f.prefill(f.newCache(2, 8), batch, batch.lastRows(), (l, qkv, T) -> {
                capture.afterRope(l, qkv, T);
                rec.afterRope(l, qkv, T);
            });
            float[] q = new float[c.nLayers() * 2 * 3 * c.qDim()];
            backend.read(rec.queries(), 0, q, q.length);
            for (int l = 0; l < c.nLayers(); l++) {
                int[][] rowToSlot = {{5, 1 * 3 + 2}, {7, 0}};
                for (int[] rs : rowToSlot) {
                    int at = (l * 2 * 3 + rs[1]) * c.qDim();
                    Approx.assertClose(capture.qkv[l], rs[0] * stride, q, at, c.qDim(), 0, 0, "layer " + l + " row " + rs[0]);
                }
            }
        }
    }

    @Test
    void badInputsFailBeforeComputeNamingTheProblem() {
        LlamaConfig c = TinyLlama.small(false);
        try (LlamaModel model = LlamaModel.upload(backend, c, TinyLlama.weights(c, DType.F32, 1));
             LlamaForward f = new LlamaForward(model)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> f.prefill(f.newCache(1, 4), Batch.of(new int[]{1, c.vocabSize()})));
            assertTrue(e.getMessage().contains("token " + c.vocabSize() + " at row 1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> f.prefill(f.newCache(1, 2), Batch.of(new int[]{1, 2, 3})));
            assertTrue(e.getMessage().contains("exceed the KV cache capacity 2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> f.prefill(backend.kvCache(2, 1, 8, c.nKvHeads(), c.headDim()), Batch.of(new int[]{1})));
            assertTrue(e.getMessage().contains("does not fit the model"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> LlamaModel.upload(backend, TinyLlama.small(true),
                    TinyLlama.weights(TinyLlama.config(96, 3, 6, 2, 16, 128, 301, true, 1f, null), DType.F32, 1)));
            assertTrue(e.getMessage().contains("mlp.gate_proj") && e.getMessage().contains("[128, 96]"), e.getMessage());
            LlamaConfig qwen2 = c.withArchitecture(LlamaConfig.Architecture.QWEN2);
            e = assertThrows(IllegalArgumentException.class, () -> LlamaModel.upload(backend, qwen2,
                    TinyLlama.weights(c, DType.F32, 1)));
            assertTrue(e.getMessage().contains("q_proj.bias"), e.getMessage());
        }
    }
}
