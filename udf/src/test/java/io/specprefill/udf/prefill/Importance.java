package io.specprefill.udf.prefill;

/**
 * Reference reduction of design.md 4 steps 3-4 from attention probabilities already computed:
 * pool each row, max over (layer, head), mean over the A queries. {@code Backend.importance} does the
 * same from the queries and the KV cache without materialising these rows; tests compare the two
 * (test sources: the product never has these rows).
 */
public final class Importance {

    private Importance() {
    }

    /**
     * probs [layers][heads][A][n]: softmax rows over the n prompt keys. Returns s [n]:
     * s[j] = mean_a max_{l,h} pool(probs[l][h][a])[j], the mean summed over a in order, in float32.
     */
    public static float[] fromProbabilities(float[][][][] probs, int kernel) {
        int layers = probs.length;
        int heads = probs[0].length;
        int queries = probs[0][0].length;
        int n = probs[0][0][0].length;
        float[] sum = new float[n];
        float[] pooled = new float[n];
        float[] max = new float[n];
        for (int a = 0; a < queries; a++) {
            java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) {
                    float[] row = probs[l][h][a];
                    if (row.length != n) {
                        throw new IllegalArgumentException("probs[" + l + "][" + h + "][" + a + "] has length "
                                + row.length + ", expected n=" + n);
                    }
                    Pooling.avgPool(row, 0, n, kernel, pooled, 0);
                    for (int j = 0; j < n; j++) max[j] = Math.max(max[j], pooled[j]);
                }
            }
            for (int j = 0; j < n; j++) sum[j] += max[j];
        }
        for (int j = 0; j < n; j++) sum[j] /= queries;
        return sum;
    }
}
