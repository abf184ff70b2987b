package io.specprefill.udf.generate;

import io.specprefill.udf.llama.Logits;

import java.util.Arrays;
import java.util.Random;

/**
 * Temperature + nucleus (top-p) sampling on host logits, reproducible for a seed: p = softmax(x / T);
 * keep the most likely tokens (highest logit first, lowest id on ties) until their mass reaches
 * top-p (at least one token), and draw from them in proportion to p. top-p near 0 keeps only the
 * argmax token, so it equals greedy. Tokens with p below (1 - topP) / (vocab - 1) cannot be in the
 * nucleus and are skipped before sorting (llama2.c's trick).
 */
public final class TopPSampler implements Sampler {
    private final double temperature;
    private final double topP;
    private final Random random;
    private float[] row = new float[0];
    private double[] probs = new double[0];
    private long[] keys = new long[0];

    public TopPSampler(double temperature, double topP, long seed) {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature=" + temperature + " must be > 0 (use greedy for 0)");
        }
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p=" + topP + " must be in (0, 1]");
        this.temperature = temperature;
        this.topP = topP;
        this.random = new Random(seed);
    }

    @Override
    public int sample(Logits logits, int r) {
        int vocab = logits.vocab();
        if (row.length < vocab) {
            row = new float[vocab];
            probs = new double[vocab];
            keys = new long[vocab];
        }
        logits.row(r, row);
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < vocab; j++) max = Math.max(max, row[j]);
        double sum = 0;
        for (int j = 0; j < vocab; j++) sum += (probs[j] = Math.exp((row[j] - max) / temperature));
        double cutoff = vocab > 1 ? (1 - topP) / (vocab - 1) * sum : 0;
        int n = 0;
        for (int j = 0; j < vocab; j++) if (probs[j] >= cutoff) keys[n++] = key(row[j], j);
        Arrays.sort(keys, 0, n);
        double target = topP * sum;
        double mass = 0;
        int kept = 0;
        while (kept < n) {
            mass += probs[(int) keys[kept++]];
            if (mass >= target) break;
        }
        double u = random.nextDouble() * mass;
        double cum = 0;
        for (int i = 0; i < kept; i++) {
            int id = (int) keys[i];
            cum += probs[id];
            if (u < cum) return id;
        }
        return (int) keys[kept - 1];
    }

    /** Sorts ascending as (logit descending, id ascending): the float's order-preserving bits, negated, then the id. */
    private static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int sortable = bits >= 0 ? bits : bits ^ 0x7fffffff;
        return ((long) ~sortable << 32) | id;
    }
}
