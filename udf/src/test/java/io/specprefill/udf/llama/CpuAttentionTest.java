package io.specprefill.udf.llama;

import io.specprefill.udf.testing.Approx;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kvWrite + attention over a packed batch, and importance, against direct double implementations. */
class CpuAttentionTest {
    private final CpuBackend b = new CpuBackend();
    private final Random r = new Random(7);
    static final int H = 4, G = 2, D = 6, STRIDE = (H + 2 * G) * D;

    /** Host mirror of the cache: [seq][slot][row of (H+2G)*D], keys and values read from there. */
    private final float[][][] mirror = new float[3][8][];

    private SeqBatch batch(int[] seqStart, int[] seqIndex, int[] seq, int[] slot) {
        Backend.Ints s = b.ints(seq.length), sl = b.ints(slot.length);
        b.write(s, seq, seq.length);
        b.write(sl, slot, slot.length);
        return new SeqBatch(3, seq.length, seqStart, seqIndex, seq, slot, s, sl);
    }

    private Backend.Tensor rows(float[] qkv, int[] seq, int[] slot) {
        for (int t = 0; t < seq.length; t++) mirror[seq[t]][slot[t]] = java.util.Arrays.copyOfRange(qkv, t * STRIDE, (t + 1) * STRIDE);
        Backend.Tensor t = b.tensor(qkv.length);
        b.write(t, 0, qkv, qkv.length);
        return t;
    }

    @Test
    void packedBatchAttendsOverItsOwnSequenceSlots() {
        Backend.KvCache cache = b.kvCache(2, 3, 8, G, D);
        // an earlier step: sequence 1 already holds slots 0..1 of layer 1
        int[] seq0 = {1, 1}, slot0 = {0, 1};
        Backend.Tensor prev = rows(CpuBackendTest.rand(r, 2 * STRIDE), seq0, slot0);
        b.kvWrite(cache, 1, prev, batch(new int[]{0, 2}, new int[]{1}, seq0, slot0), H);
        // this step: seq 0 slots 0..3, seq 1 slots 2..4, seq 2 slot 0 (a one-token sequence)
        int[] seq = {0, 0, 0, 0, 1, 1, 1, 2}, slot = {0, 1, 2, 3, 2, 3, 4, 0};
        float[] qkv = CpuBackendTest.rand(r, seq.length * STRIDE);
        Backend.Tensor q = rows(qkv, seq, slot);
        SeqBatch sb = batch(new int[]{0, 4, 7, 8}, new int[]{0, 1, 2}, seq, slot);
        b.kvWrite(cache, 1, q, sb, H);
        Backend.Tensor out = b.tensor((long) seq.length * H * D);
        b.attention(out, q, cache, 1, sb, H);
        float[] got = new float[seq.length * H * D];
        b.read(out, 0, got, got.length);

        float[] expected = new float[got.length];
        for (int t = 0; t < seq.length; t++) {
            for (int h = 0; h < H; h++) {
                int g = h / (H / G);
                double[] p = new double[slot[t] + 1];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j <= slot[t]; j++) {
                    double s = 0;
                    for (int i = 0; i < D; i++) s += (double) qkv[t * STRIDE + h * D + i] * mirror[seq[t]][j][(H + g) * D + i];
                    p[j] = s / Math.sqrt(D);
                    max = Math.max(max, p[j]);
                }
                for (int j = 0; j <= slot[t]; j++) sum += (p[j] = Math.exp(p[j] - max));
                for (int i = 0; i < D; i++) {
                    double acc = 0;
                    for (int j = 0; j <= slot[t]; j++) acc += p[j] / sum * mirror[seq[t]][j][(H + G + g) * D + i];
                    expected[t * H * D + h * D + i] = (float) acc;
                }
            }
        }
        Approx.assertClose(expected, got, 1e-6, 1e-5, "attention");

        SeqBatch over = batch(new int[]{0, 1}, new int[]{0}, new int[]{0}, new int[]{8});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.kvWrite(cache, 0, q, over, H));
        assertTrue(e.getMessage().contains("slot 8") && e.getMessage().contains("capacity 8"), e.getMessage());
    }

    @Test
    void importanceMatchesDoubleReferenceIncludingPoolingEdges() {
        int L = 2, B = 2, maxQ = 3, cap = 24;
        Backend.KvCache cache = b.kvCache(L, B, cap, G, D);
        int[] seq = new int[cap], slot = new int[cap];
        java.util.Arrays.fill(seq, 1);
        for (int j = 0; j < cap; j++) slot[j] = j;
        float[][] qkvs = new float[L][];
        for (int l = 0; l < L; l++) {
            qkvs[l] = CpuBackendTest.rand(r, cap * STRIDE);
            for (int i = 0; i < qkvs[l].length; i++) qkvs[l][i] *= 2; // sharper softmax rows
            Backend.Tensor t = b.tensor(qkvs[l].length);
            b.write(t, 0, qkvs[l], qkvs[l].length);
            b.kvWrite(cache, l, t, batch(new int[]{0, cap}, new int[]{1}, seq, slot), H);
        }
        float[] queries = CpuBackendTest.rand(r, L * B * maxQ * H * D);
        Backend.Tensor qt = b.tensor(queries.length);
        b.write(qt, 0, queries, queries.length);
        int[][] cases = {{20, 2, 13}, {5, 2, 13}, {20, 1, 1}, {20, 3, 4}, {11, 2, 5}, {1, 1, 13}};
        for (int[] cs : cases) {
            int n = cs[0], nQ = cs[1], W = cs[2];
            Backend.Tensor out = b.tensor(n + 3);
            b.importance(out, 3, qt, cache, 1, n, nQ, maxQ, W, H);
            float[] got = new float[n];
            b.read(out, 3, got, n);
            float[] expected = reference(qkvs, queries, L, B, maxQ, n, nQ, W);
            Approx.assertClose(expected, got, 1e-6, 1e-5, "importance n=" + n + " nQ=" + nQ + " W=" + W);
        }
    }

    /** design.md 4 steps 3-4 in double: softmax, avg_pool1d(W, 1, W/2, count_include_pad), max (l, h), mean a. */
    private static float[] reference(float[][] qkvs, float[] queries, int L, int B, int maxQ, int n, int nQ, int W) {
        double[] sum = new double[n];
        for (int a = 0; a < nQ; a++) {
            double[] max = new double[n];
            java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
            for (int l = 0; l < L; l++) {
                for (int h = 0; h < H; h++) {
                    int g = h / (H / G), q = ((l * B + 1) * maxQ + a) * H * D + h * D;
                    double[] p = new double[n];
                    double mx = Double.NEGATIVE_INFINITY, z = 0;
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int i = 0; i < D; i++) s += (double) queries[q + i] * qkvs[l][j * STRIDE + (H + g) * D + i];
                        p[j] = s / Math.sqrt(D);
                        mx = Math.max(mx, p[j]);
                    }
                    for (int j = 0; j < n; j++) z += (p[j] = Math.exp(p[j] - mx));
                    for (int j = 0; j < n; j++) {
                        double pooled = 0;
                        for (int i = j - W / 2; i < j - W / 2 + W; i++) pooled += (i >= 0 && i < n) ? p[i] / z : 0;
                        max[j] = Math.max(max[j], pooled / W);
                    }
                }
            }
            for (int j = 0; j < n; j++) sum[j] += max[j];
        }
        float[] out = new float[n];
        for (int j = 0; j < n; j++) out[j] = (float) (sum[j] / nQ);
        return out;
    }
}
