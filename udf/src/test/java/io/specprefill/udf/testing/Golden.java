package io.specprefill.udf.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.udf.model.TestCheckpoints;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The reference outputs of one hf-golden model ({@code golden.json}, see the fixtures' README):
 * float32 outputs of the Hugging Face stack for a 300-token prompt.
 */
public final class Golden {
    public final Path dir;
    public final int[] inputIds;             // [n], BOS first
    public final float[][] logitsFirst2;     // [2][vocab]
    public final float[][] logitsLast4;      // [4][vocab]
    public final double logitsSumAbs;        // sum |logits| over [n, vocab]
    public final int[] argmaxAll;            // [n]
    public final int[] greedy24;             // 24 greedy tokens after the prompt, no early stop
    public final int[] attnShape;            // [layers, heads, 8, n]
    public final float[][][][] attnLast8;    // [layers][heads][8][n] attention probabilities of the last 8 queries
    public final int[] subsetKeepPositions;  // kept prompt indices, ascending
    public final float[] subsetPrefillLastLogits; // [vocab] at the last kept token
    public final int[] subsetGreedy16;       // 16 greedy tokens after the pruned prefill, token i at position n + i

    private Golden(Path dir, JsonNode g) {
        this.dir = dir;
        inputIds = ints(g.get("input_ids"));
        logitsFirst2 = matrix(g.get("logits_first2"));
        logitsLast4 = matrix(g.get("logits_last4"));
        logitsSumAbs = g.get("logits_sum_abs").asDouble();
        argmaxAll = ints(g.get("argmax_all"));
        greedy24 = ints(g.get("greedy_24"));
        attnShape = ints(g.get("attn_last8_shape"));
        JsonNode a = g.get("attn_last8");
        attnLast8 = new float[a.size()][][][];
        for (int l = 0; l < a.size(); l++) {
            attnLast8[l] = new float[a.get(l).size()][][];
            for (int h = 0; h < a.get(l).size(); h++) attnLast8[l][h] = matrix(a.get(l).get(h));
        }
        subsetKeepPositions = ints(g.get("subset_keep_positions"));
        subsetPrefillLastLogits = floats(g.get("subset_prefill_last_logits"));
        subsetGreedy16 = ints(g.get("subset_greedy_16"));
    }

    /** Prompt length n. */
    public int n() {
        return inputIds.length;
    }

    /** Loads {@code hf-golden/<model>/golden.json} from the test resources (tiny-draft or tiny-target). */
    public static Golden load(String model) {
        return load(TestCheckpoints.golden(model));
    }

    /** Loads {@code dir/golden.json} (any fixture folder in the hf-golden format, e.g. qwen-golden's). */
    public static Golden load(Path dir) {
        try {
            return new Golden(dir, new ObjectMapper().readTree(dir.resolve("golden.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + "/golden.json: " + e.getMessage(), e);
        }
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).asInt();
        return out;
    }

    private static float[] floats(JsonNode n) {
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) n.get(i).asDouble();
        return out;
    }

    private static float[][] matrix(JsonNode n) {
        float[][] out = new float[n.size()][];
        for (int i = 0; i < out.length; i++) out[i] = floats(n.get(i));
        return out;
    }
}
