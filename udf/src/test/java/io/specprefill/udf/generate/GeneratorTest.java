package io.specprefill.udf.generate;

import io.specprefill.udf.llama.Batch;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.LlamaForward;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.llama.Logits;
import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.LlamaWeights;
import io.specprefill.udf.testing.TinyLlama;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {
    private final CpuBackend backend = new CpuBackend();
    private final LlamaConfig config = TinyLlama.config(48, 2, 4, 2, 12, 96, 61, false, 10000f, null);
    private final LlamaWeights weights = TinyLlama.weights(config, DType.F32, 17);

    private static int[] prompt(int n, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(58); // below the EOS id 60
        return t;
    }

    private LlamaConfig withEos(int eos) {
        LlamaConfig c = config;
        return new LlamaConfig(c.dim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.headDim(), c.hiddenDim(), c.vocabSize(),
                c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.tiedEmbeddings(), c.torchDtype(), c.bosTokenId(),
                new int[]{999, eos}, c.maxPositions(), "eos-" + eos);
    }

    private int[] greedy(LlamaConfig c, int[] prompt, int max) {
        try (LlamaModel m = LlamaModel.upload(backend, c, weights); Generator g = new Generator(m)) {
            return g.generate(Request.greedy(prompt, max)).ids();
        }
    }

    @Test
    void stopsAtAnyEosIdOfTheConfigAndDropsIt() {
        int[] p = prompt(9, 1);
        int[] free = greedy(withEos(-5), p, 12);
        int eos = free[4];
        int firstAt = 0;
        while (free[firstAt] != eos) firstAt++;
        try (LlamaModel m = LlamaModel.upload(backend, withEos(eos), weights); Generator g = new Generator(m)) {
            Generation out = g.generate(Request.greedy(p, 12));
            assertEquals(StopReason.EOS, out.reason());
            assertArrayEquals(Arrays.copyOf(free, firstAt), out.ids());
            assertEquals(firstAt, out.decodeSteps());
        }
    }

    @Test
    void stopConditionsAndTokenLimit() {
        int[] p = prompt(7, 2);
        int[] free = greedy(config, p, 10);
        try (LlamaModel m = LlamaModel.upload(backend, config, weights); Generator g = new Generator(m)) {
            Generation three = g.generate(Request.full(p, 10, Sampler.ARGMAX, (ids, n) -> n == 3));
            assertEquals(StopReason.STOP_CONDITION, three.reason());
            assertArrayEquals(Arrays.copyOf(free, 3), three.ids());
            // a stop string over a toy decoder ("<id>" per token): stops at the token completing it
            StopCondition text = StopCondition.onText(ids -> {
                StringBuilder sb = new StringBuilder();
                for (int id : ids) sb.append('<').append(id).append('>');
                return sb.toString();
            }, List.of("<" + free[5] + "><" + free[6] + ">"));
            int[] ids = g.generate(Request.full(p, 10, Sampler.ARGMAX, text)).ids();
            int end = 2;
            while (free[end - 2] != free[5] || free[end - 1] != free[6]) end++;
            assertArrayEquals(Arrays.copyOf(free, end), ids);
            Generation limit = g.generate(Request.greedy(p, 4));
            assertEquals(StopReason.MAX_TOKENS, limit.reason());
            assertArrayEquals(Arrays.copyOf(free, 4), limit.ids());
        }
    }

    @Test
    void batchedRequestsGiveTheSameTokensAsEachAlone() {
        int[] a = prompt(13, 3), b = prompt(1, 4), c = prompt(20, 5);
        int[] keptPos = {0, 2, 3, 7, 11, 12, 19};
        int[] kept = new int[keptPos.length];
        for (int i = 0; i < kept.length; i++) kept[i] = c[keptPos[i]];
        List<Request> reqs = List.of(Request.greedy(a, 9), Request.greedy(b, 3),
                new Request(kept, keptPos, 20, 6, Sampler.ARGMAX, StopCondition.NONE));
        try (LlamaModel m = LlamaModel.upload(backend, config, weights); Generator g = new Generator(m)) {
            List<int[]> alone = new ArrayList<>();
            for (Request r : reqs) alone.add(g.generate(r).ids());
            List<Generation> together = g.generate(reqs);
            for (int i = 0; i < reqs.size(); i++) assertArrayEquals(alone.get(i), together.get(i).ids(), "request " + i);
            assertEquals(3, together.get(1).ids().length);
        }
    }

    @Test
    void topPIsReproducibleAndNearZeroTopPIsGreedy() {
        int[] p = prompt(11, 6);
        int[] free = greedy(config, p, 12);
        try (LlamaModel m = LlamaModel.upload(backend, config, weights); Generator g = new Generator(m)) {
            int[] s1 = g.generate(Request.full(p, 12, Sampler.of(1.3, 0.9, 77), null)).ids();
            int[] s2 = g.generate(Request.full(p, 12, Sampler.of(1.3, 0.9, 77), null)).ids();
            assertArrayEquals(s1, s2, "same seed, same tokens");
            assertArrayEquals(free, g.generate(Request.full(p, 12, Sampler.of(0.8, 1e-9, 5), null)).ids(), "top-p -> 0 is greedy");
            assertArrayEquals(free, g.generate(Request.full(p, 12, Sampler.of(0, 0.9, 5), null)).ids(), "temperature 0 is greedy");
        }
    }

    @Test
    void topPDrawsOnlyFromTheNucleusInProportion() {
        try (LlamaModel m = LlamaModel.upload(backend, config, weights); LlamaForward f = new LlamaForward(m)) {
            Logits logits = f.prefill(f.newCache(1, 8), Batch.of(prompt(8, 7)));
            float[] row = logits.row(0, null);
            double temp = 2.0, topP = 0.6;
            double[] p = new double[row.length];
            double z = 0;
            for (int j = 0; j < row.length; j++) z += (p[j] = Math.exp(row[j] / temp));
            Integer[] order = new Integer[row.length];
            for (int j = 0; j < row.length; j++) order[j] = j;
            Arrays.sort(order, (x, y) -> Float.compare(row[y], row[x]));
            boolean[] nucleus = new boolean[row.length];
            double mass = 0;
            for (int k = 0; mass < topP * z; k++) {
                nucleus[order[k]] = true;
                mass += p[order[k]];
            }
            TopPSampler s = new TopPSampler(temp, topP, 123);
            int draws = 20000;
            int[] hits = new int[row.length];
            for (int i = 0; i < draws; i++) hits[s.sample(logits, 0)]++;
            for (int j = 0; j < row.length; j++) {
                if (!nucleus[j]) {
                    assertEquals(0, hits[j], "token " + j + " is outside the nucleus");
                } else {
                    double expected = p[j] / mass;
                    assertEquals(expected, hits[j] / (double) draws, 0.015, "frequency of token " + j);
                }
            }
        }
    }

    @Test
    void badRequestsAreRejectedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Request(new int[]{1, 2}, new int[]{0, 5}, 5, 4, Sampler.ARGMAX, null));
        assertTrue(e.getMessage().contains("next position 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Request(new int[]{1, 2}, new int[]{3, 3}, 9, 4, Sampler.ARGMAX, null));
        assertTrue(e.getMessage().contains("ascend"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TopPSampler(1, 1.5, 1));
        assertTrue(e.getMessage().contains("top_p=1.5"), e.getMessage());
    }
}
