package io.specprefill.udf.prefill;

import io.specprefill.udf.llama.Batch;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.LlamaForward;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.Model;
import io.specprefill.udf.testing.Approx;
import io.specprefill.udf.testing.CaptureHook;
import io.specprefill.udf.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpeculativePrefillTest {
    private static final CpuBackend BACKEND = new CpuBackend();
    private static Golden golden;
    private static Model draftFiles;
    private static LlamaModel draft;

    @BeforeAll
    static void load() {
        golden = Golden.load("tiny-draft");
        draftFiles = Model.load(golden.dir);
        draft = LlamaModel.upload(BACKEND, draftFiles.config(), draftFiles.weights());
    }

    @AfterAll
    static void close() {
        draft.close();
    }

    private static SpeculativePrefill scorer(LlamaModel m, int lookahead) {
        return new SpeculativePrefill(m, new PrefillParams(0.3, 32, 13, lookahead, 32));
    }

    private static LlamaConfig withEos(LlamaConfig c, int... eos) {
        return new LlamaConfig(c.dim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.headDim(), c.hiddenDim(), c.vocabSize(),
                c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.tiedEmbeddings(), c.torchDtype(), c.bosTokenId(),
                eos, c.maxPositions(), c.source() + " (eos " + Arrays.toString(eos) + ")");
    }

    @Test
    void lookaheadOneMatchesTheFormulaOnHfAttention() {
        // attn_last8 [layers][heads][8][n]: query 7 is the last prompt token's softmax row over the n keys
        float[][][][] last = new float[golden.attnShape[0]][golden.attnShape[1]][1][];
        for (int l = 0; l < last.length; l++) {
            for (int h = 0; h < last[l].length; h++) last[l][h][0] = golden.attnLast8[l][h][7];
        }
        float[] expected = Importance.fromProbabilities(last, 13);
        try (SpeculativePrefill sp = scorer(draft, 1)) {
            SpeculativePrefill.Scores s = sp.score(List.of(golden.inputIds)).get(0);
            assertEquals(1, s.queries());
            assertEquals(golden.n(), s.importance().length);
            Approx.assertClose(expected, s.importance(), 2e-7, 1e-4, "importance vs HF attn_last8 (A=1, W=13)");
        }
    }

    @Test
    void batchOfThreeGivesExactlyTheImportanceOfEachAlone() {
        int[] a = golden.inputIds;
        int[] b = Arrays.copyOf(golden.inputIds, 117);
        int[] c = Arrays.copyOfRange(golden.inputIds, 40, 93);
        try (SpeculativePrefill sp = scorer(draft, 4)) {
            List<SpeculativePrefill.Scores> together = sp.score(List.of(b, a, c));
            int i = 0;
            for (int[] p : List.of(b, a, c)) {
                SpeculativePrefill.Scores alone = sp.score(List.of(p)).get(0);
                assertEquals(alone.queries(), together.get(i).queries(), "queries of prompt " + i);
                assertArrayEquals(alone.importance(), together.get(i).importance(), "importance of prompt " + i);
                i++;
            }
        }
    }

    @Test
    void lookaheadMatchesAReferenceFromFullPrefillOfPromptPlusGreedyTokens() {
        // Reference for A=4: feed prompt + the 3 greedy tokens in one plain prefill, capture post-RoPE q and k,
        // then softmax (double) of the last 4 rows' queries over the n prompt keys only, pooled, max, mean.
        int A = 4;
        int n = 160;
        int[] prompt = Arrays.copyOf(golden.inputIds, n);
        LlamaConfig cfg = draft.config;
        int[] greedy = greedyTokens(prompt, A - 1);
        int[] all = Arrays.copyOf(prompt, n + A - 1);
        System.arraycopy(greedy, 0, all, n, A - 1);
        int H = cfg.nHeads(), G = cfg.nKvHeads(), D = cfg.headDim(), stride = (H + 2 * G) * D;
        CaptureHook cap = new CaptureHook(BACKEND, cfg.nLayers(), stride);
        try (LlamaForward f = new LlamaForward(draft); var kv = f.newCache(1, all.length)) {
            Batch batch = Batch.of(all);
            f.prefill(kv, batch, batch.lastRows(), cap);
        }
        float[][][][] probs = new float[cfg.nLayers()][H][A][n];
        for (int l = 0; l < cfg.nLayers(); l++) {
            for (int h = 0; h < H; h++) {
                for (int a = 0; a < A; a++) {
                    int qRow = n - 1 + a;
                    double[] z = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        double dot = 0;
                        for (int d = 0; d < D; d++) {
                            dot += (double) cap.qkv[l][qRow * stride + h * D + d]
                                    * cap.qkv[l][j * stride + (H + h / (H / G)) * D + d];
                        }
                        z[j] = dot / Math.sqrt(D);
                        max = Math.max(max, z[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) sum += (z[j] = Math.exp(z[j] - max));
                    for (int j = 0; j < n; j++) probs[l][h][a][j] = (float) (z[j] / sum);
                }
            }
        }
        float[] expected = Importance.fromProbabilities(probs, 13);
        try (SpeculativePrefill sp = scorer(draft, A)) {
            SpeculativePrefill.Scores s = sp.score(List.of(prompt)).get(0);
            assertEquals(A, s.queries());
            Approx.assertClose(expected, s.importance(), 2e-7, 1e-4, "importance A=4 vs full-prefill reference");
        }
    }

    private static int[] greedyTokens(int[] prompt, int count) {
        int[] out = new int[count];
        int[] seq = prompt;
        for (int i = 0; i < count; i++) {
            try (LlamaForward f = new LlamaForward(draft); var kv = f.newCache(1, seq.length)) {
                out[i] = f.prefill(kv, Batch.of(seq)).argmax(0);
            }
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = out[i];
        }
        return out;
    }

    @Test
    void eosDuringLookaheadStopsEarlyAndCountsTheQueryThatProducedIt() {
        int[] g = golden.greedy24; // greedy continuation of the golden prompt under the draft
        assertNotEquals(g[0], g[1], "fixture: the test needs two different first greedy tokens");
        for (int k = 0; k < 8; k++) assertTrue(!draft.config.isEos(g[k]), "fixture: no EOS in the first 8 greedy tokens");
        try (SpeculativePrefill full = scorer(draft, 8)) {
            assertEquals(8, full.score(List.of(golden.inputIds)).get(0).queries());
        }
        // EOS = the 2nd greedy token: the prompt's last query and look-ahead token 0's query (which produced it)
        for (int stopAfter = 1; stopAfter <= 2; stopAfter++) {
            LlamaConfig cfg = withEos(draft.config, 3004, g[stopAfter - 1]);
            try (LlamaModel eosDraft = LlamaModel.upload(BACKEND, cfg, draftFiles.weights());
                 SpeculativePrefill stopped = scorer(eosDraft, 8);
                 SpeculativePrefill exact = scorer(draft, stopAfter)) {
                SpeculativePrefill.Scores s = stopped.score(List.of(golden.inputIds)).get(0);
                SpeculativePrefill.Scores e = exact.score(List.of(golden.inputIds)).get(0);
                assertEquals(stopAfter, s.queries(), "queries when EOS is greedy token " + (stopAfter - 1));
                assertArrayEquals(e.importance(), s.importance());
            }
        }
    }

    @Test
    void selectKeepsAboutPOfTheChunksPlusForcedTokens() {
        try (SpeculativePrefill sp = new SpeculativePrefill(draft, new PrefillParams(0.3, 32, 13, 8, 32))) {
            int[] kept = sp.select(List.of(golden.inputIds)).get(0);
            // N=300, C=32: 10 chunks, ceil(3) = 3 kept (<= 96 tokens), plus token 0 and the last 32
            assertTrue(kept.length <= 3 * 32 + 1 + 32, "K=" + kept.length);
            assertTrue(kept.length >= 32 + 1, "K=" + kept.length);
            assertEquals(0, kept[0]);
            assertEquals(299, kept[kept.length - 1]);
        }
    }
}
