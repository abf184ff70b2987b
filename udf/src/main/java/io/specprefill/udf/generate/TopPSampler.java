package io.specprefill.udf.generate;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Logits;

import java.util.Arrays;
import java.util.Random;

/**
 * Temperature + nucleus (top-p) sampling on the backend ({@link Backend#sampleTopP}: p = softmax(x / T),
 * the smallest set of most likely tokens reaching top-p with a tie at the threshold kept whole, a draw
 * in ascending id), reproducible for a seed: each draw takes one uniform from this sampler's own
 * {@link Random}, so a sequence gets the same tokens alone or in any batch. {@link Generator} batches
 * the rows of a step into one backend op ({@link StepSampler}); only the ids come back. top-p near 0
 * keeps only the argmax token, so it equals greedy (unless the maximum logit is tied).
 */
public final class TopPSampler implements Sampler {
    private final float temperature;
    private final float topP;
    private final Random random;
    private float[] t = new float[0], p = new float[0], u = new float[0];

    public TopPSampler(double temperature, double topP, long seed) {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature=" + temperature + " must be > 0 (use greedy for 0)");
        }
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p=" + topP + " must be in (0, 1]");
        this.temperature = (float) temperature;
        this.topP = Math.max(Float.MIN_VALUE, (float) topP);
        this.random = new Random(seed);
    }

    float temperature() {
        return temperature;
    }

    float topP() {
        return topP;
    }

    /** The next uniform in [0, 1) of this sampler's stream: one per sampled token. */
    float nextUniform() {
        return random.nextFloat();
    }

    /**
     * One row on its own. The backend op runs over every row of the step (the other rows' results are
     * dropped), so batched callers use {@link StepSampler} instead.
     */
    @Override
    public int sample(Logits logits, int row) {
        int R = logits.rows();
        if (t.length < R) {
            t = new float[R];
            p = new float[R];
            u = new float[R];
        }
        Arrays.fill(t, temperature);
        Arrays.fill(p, topP);
        Arrays.fill(u, 0f);
        u[row] = nextUniform();
        return logits.sampleTopP(t, p, u)[row];
    }
}
