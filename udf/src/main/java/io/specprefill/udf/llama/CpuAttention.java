package io.specprefill.udf.llama;

/**
 * The CPU twins of {@link Backend#kvWrite}, {@link Backend#attention} and {@link Backend#importance}.
 * Rows are [T, (H + 2G) * D]: queries, then keys, then values. Query head h reads KV head h / (H/G).
 * Scores are q·k / sqrt(D) and softmax runs in float32, as HF's eager attention.
 */
final class CpuAttention {
    private CpuAttention() {
    }

    /** Per-thread score buffer, grown to the longest row seen; attention allocates nothing per call. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[256]);

    private static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s.length < n) {
            s = new float[Math.max(n, s.length * 2)];
            SCRATCH.set(s);
        }
        return s;
    }

    /** Copies the key and value heads of every row to slot[t] of sequence seq[t]. */
    static void kvWrite(CpuKvCache c, int layer, float[] qkv, SeqBatch b, int nHeads) {
        int[] seq = rowsChecked(c, layer, b, "kvWrite");
        int[] slot = CpuBackend.i(b.slot(), "kvWrite");
        int G = c.nKvHeads();
        int D = c.headDim();
        int stride = (nHeads + 2 * G) * D;
        CpuBackend.need("kvWrite", "qkv [T, (H+2G)*D]", qkv.length, (long) b.tokens() * stride);
        float[] k = c.keys[layer];
        float[] v = c.values[layer];
        for (int t = 0; t < b.tokens(); t++) {
            for (int g = 0; g < G; g++) {
                int dst = c.base(seq[t], g) + slot[t] * D;
                System.arraycopy(qkv, t * stride + (nHeads + g) * D, k, dst, D);
                System.arraycopy(qkv, t * stride + (nHeads + G + g) * D, v, dst, D);
            }
        }
    }

    /** out[t, h*D:(h+1)*D] = softmax(q·K^T / sqrt(D)) V over slots [0, slot[t]] of sequence seq[t]. */
    static void attention(float[] out, float[] qkv, CpuKvCache c, int layer, SeqBatch b, int nHeads) {
        int[] seq = rowsChecked(c, layer, b, "attention");
        int[] slot = CpuBackend.i(b.slot(), "attention");
        int G = c.nKvHeads();
        int D = c.headDim();
        int T = b.tokens();
        int stride = (nHeads + 2 * G) * D;
        if (nHeads % G != 0) throw new IllegalArgumentException("attention: nHeads=" + nHeads + " not a multiple of G=" + G);
        CpuBackend.need("attention", "qkv [T, (H+2G)*D]", qkv.length, (long) T * stride);
        CpuBackend.need("attention", "out [T, H*D]", out.length, (long) T * nHeads * D);
        int kvMul = nHeads / G;
        float scale = (float) (1.0 / Math.sqrt(D));
        float[] keys = c.keys[layer];
        float[] values = c.values[layer];
        int blocks = (T + 3) / 4;
        Parallel.parallelFor(blocks * nHeads, item -> {
            int t0 = (item / nHeads) * 4;
            int h = item % nHeads;
            if (t0 + 4 <= T && seq[t0 + 3] == seq[t0] && slot[t0 + 3] == slot[t0] + 3
                    && seq[t0 + 1] == seq[t0] && seq[t0 + 2] == seq[t0] && slot[t0 + 1] == slot[t0] + 1 && slot[t0 + 2] == slot[t0] + 2) {
                block4(out, qkv, keys, values, c.base(seq[t0], h / kvMul), t0, slot[t0] + 1, h, nHeads, stride, D, scale);
                return;
            }
            for (int t = t0; t < Math.min(T, t0 + 4); t++) {
                int n = slot[t] + 1;
                int kv = c.base(seq[t], h / kvMul);
                float[] p = scratch(n);
                softmaxScores(p, qkv, t * stride + h * D, keys, kv, n, D, scale);
                int o = t * nHeads * D + h * D;
                for (int d = 0; d < D; d++) out[o + d] = 0f;
                weightedSum(out, o, p, 0, values, kv, 0, n, D);
            }
        });
    }

    /**
     * Head h of 4 consecutive rows of one sequence at consecutive slots (prefill), row r attending
     * over n0 + r keys: 4x4 register tiles (4 queries x 4 keys, then 4 rows x 4 value rows), so each
     * loaded key or value feeds 4 rows. Every score and every sum is formed in the same order as the
     * one-row path, so a row gets the same bits whichever path it takes.
     */
    private static void block4(float[] out, float[] qkv, float[] keys, float[] values, int kv, int t0, int n0, int h,
                               int nHeads, int stride, int D, float scale) {
        int n3 = n0 + 3;
        float[] p = scratch(4 * n3); // row r's probabilities at p[r * n3 ..]
        int q0 = t0 * stride + h * D, q1 = q0 + stride, q2 = q1 + stride, q3 = q2 + stride;
        int j = 0;
        for (; j + 4 <= n3; j += 4) {
            int k0 = kv + j * D, k1 = k0 + D, k2 = k1 + D, k3 = k2 + D;
            float s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
            float s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
            for (int d = 0; d < D; d++) {
                float a0 = qkv[q0 + d], a1 = qkv[q1 + d], a2 = qkv[q2 + d], a3 = qkv[q3 + d];
                float b0 = keys[k0 + d], b1 = keys[k1 + d], b2 = keys[k2 + d], b3 = keys[k3 + d];
                s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
                s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
                s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
                s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
            }
            p[j] = s00 * scale; p[j + 1] = s01 * scale; p[j + 2] = s02 * scale; p[j + 3] = s03 * scale;
            p[n3 + j] = s10 * scale; p[n3 + j + 1] = s11 * scale; p[n3 + j + 2] = s12 * scale; p[n3 + j + 3] = s13 * scale;
            p[2 * n3 + j] = s20 * scale; p[2 * n3 + j + 1] = s21 * scale; p[2 * n3 + j + 2] = s22 * scale; p[2 * n3 + j + 3] = s23 * scale;
            p[3 * n3 + j] = s30 * scale; p[3 * n3 + j + 1] = s31 * scale; p[3 * n3 + j + 2] = s32 * scale; p[3 * n3 + j + 3] = s33 * scale;
        }
        for (int r = 0; r < 4; r++) {
            for (int jj = j; jj < n0 + r; jj++) p[r * n3 + jj] = CpuMatmul.dot(qkv, q0 + r * stride, keys, kv + jj * D, D) * scale;
            softmaxInPlace(p, r * n3, n0 + r);
        }
        int o0 = t0 * nHeads * D + h * D, o1 = o0 + nHeads * D, o2 = o1 + nHeads * D, o3 = o2 + nHeads * D;
        for (int d = 0; d < D; d++) {
            out[o0 + d] = 0f; out[o1 + d] = 0f; out[o2 + d] = 0f; out[o3 + d] = 0f;
        }
        int common = n0 & ~3; // value groups of 4 that every row uses in full
        for (j = 0; j < common; j += 4) {
            int v0 = kv + j * D, v1 = v0 + D, v2 = v1 + D, v3 = v2 + D;
            float p00 = p[j], p01 = p[j + 1], p02 = p[j + 2], p03 = p[j + 3];
            float p10 = p[n3 + j], p11 = p[n3 + j + 1], p12 = p[n3 + j + 2], p13 = p[n3 + j + 3];
            float p20 = p[2 * n3 + j], p21 = p[2 * n3 + j + 1], p22 = p[2 * n3 + j + 2], p23 = p[2 * n3 + j + 3];
            float p30 = p[3 * n3 + j], p31 = p[3 * n3 + j + 1], p32 = p[3 * n3 + j + 2], p33 = p[3 * n3 + j + 3];
            for (int d = 0; d < D; d++) {
                float a = values[v0 + d], b = values[v1 + d], c = values[v2 + d], e = values[v3 + d];
                out[o0 + d] += p00 * a + p01 * b + p02 * c + p03 * e;
                out[o1 + d] += p10 * a + p11 * b + p12 * c + p13 * e;
                out[o2 + d] += p20 * a + p21 * b + p22 * c + p23 * e;
                out[o3 + d] += p30 * a + p31 * b + p32 * c + p33 * e;
            }
        }
        weightedSum(out, o0, p, 0, values, kv, common, n0, D);
        weightedSum(out, o1, p, n3, values, kv, common, n0 + 1, D);
        weightedSum(out, o2, p, 2 * n3, values, kv, common, n0 + 2, D);
        weightedSum(out, o3, p, 3 * n3, values, kv, common, n0 + 3, D);
    }

    /**
     * out[o + d] += sum_j p[pOff + j] * values[kv + j*D + d] for j in [from, n), from a multiple of 4:
     * four value rows per pass over out (fewer loads and stores), then the rest one by one.
     */
    private static void weightedSum(float[] out, int o, float[] p, int pOff, float[] values, int kv, int from, int n, int D) {
        int j = from;
        for (; j + 4 <= n; j += 4) {
            float p0 = p[pOff + j], p1 = p[pOff + j + 1], p2 = p[pOff + j + 2], p3 = p[pOff + j + 3];
            int v0 = kv + j * D, v1 = v0 + D, v2 = v1 + D, v3 = v2 + D;
            for (int d = 0; d < D; d++) {
                out[o + d] += p0 * values[v0 + d] + p1 * values[v1 + d] + p2 * values[v2 + d] + p3 * values[v3 + d];
            }
        }
        for (; j < n; j++) {
            float pj = p[pOff + j];
            int vj = kv + j * D;
            for (int d = 0; d < D; d++) out[o + d] += pj * values[vj + d];
        }
    }

    /**
     * p[j] = softmax_j(q · k_j * scale), j &lt; n, in float32; q = src[qOff..qOff+D), k_j = keys[kOff + j*D..].
     * Scores are the float dot product times scale (HF: matmul(q, k^T) * scaling).
     */
    static void softmaxScores(float[] p, float[] src, int qOff, float[] keys, int kOff, int n, int D, float scale) {
        int j = 0;
        // 4 keys at a time: 4 independent sums (each still in d order) instead of one dependent chain
        for (; j + 4 <= n; j += 4) {
            int k0 = kOff + j * D, k1 = k0 + D, k2 = k1 + D, k3 = k2 + D;
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            for (int d = 0; d < D; d++) {
                float q = src[qOff + d];
                s0 += q * keys[k0 + d];
                s1 += q * keys[k1 + d];
                s2 += q * keys[k2 + d];
                s3 += q * keys[k3 + d];
            }
            p[j] = s0 * scale;
            p[j + 1] = s1 * scale;
            p[j + 2] = s2 * scale;
            p[j + 3] = s3 * scale;
        }
        for (; j < n; j++) p[j] = CpuMatmul.dot(src, qOff, keys, kOff + j * D, D) * scale;
        softmaxInPlace(p, 0, n);
    }

    /** p[off + j] = exp(p[off + j] - max) / sum, j &lt; n, in float32 (exp rounded from double). */
    static void softmaxInPlace(float[] p, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, p[off + j]);
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(p[off + j] - max);
            p[off + j] = e;
            sum += e;
        }
        for (int j = 0; j < n; j++) p[off + j] /= sum;
    }

    /**
     * design.md 4 steps 3-4 for one sequence: per (layer, head, recorded query) the softmax over the n
     * prompt keys, average-pooled (kernel W, stride 1, zero padding W/2 counted: PyTorch
     * avg_pool1d(count_include_pad=True)); max over (layer, head); mean over the nQ queries.
     * Work items are (query a, head part); each keeps its own running max [n], so memory is
     * O(nQ * parts * n), never n x n.
     */
    static void importance(float[] out, int outOff, float[] queries, CpuKvCache c, int seq, int n,
                           int nQ, int maxQ, int W, int nHeads) {
        int L = c.layers();
        int B = c.batch();
        int G = c.nKvHeads();
        int D = c.headDim();
        int HD = nHeads * D;
        if (seq < 0 || seq >= B) throw new IllegalArgumentException("importance: seq " + seq + " outside batch " + B);
        if (n < 1 || n > c.capacity()) {
            throw new IllegalArgumentException("importance: n=" + n + " outside [1, capacity=" + c.capacity() + "]");
        }
        if (nQ < 1 || nQ > maxQ) throw new IllegalArgumentException("importance: nQueries=" + nQ + " outside [1, maxQueries=" + maxQ + "]");
        if (W < 1) throw new IllegalArgumentException("importance: poolKernel=" + W + " must be >= 1");
        if (nHeads % G != 0) throw new IllegalArgumentException("importance: nHeads=" + nHeads + " not a multiple of G=" + G);
        CpuBackend.need("importance", "queries [layers][batch][maxQueries][H*D]", queries.length, (long) L * B * maxQ * HD);
        int kvMul = nHeads / G;
        float scale = (float) (1.0 / Math.sqrt(D));
        int parts = Math.max(1, Math.min(nHeads, (2 * Parallel.threads() + nQ - 1) / nQ));
        float[] maxes = new float[nQ * parts * n]; // pooled probabilities are >= 0: 0 is the identity of max
        Parallel.parallelFor(nQ * parts, item -> {
            int a = item / parts;
            int part = item % parts;
            float[] p = scratch(n);
            float[] pooled = new float[n];
            int m = item * n;
            for (int l = 0; l < L; l++) {
                int q0 = ((l * B + seq) * maxQ + a) * HD;
                for (int h = part * nHeads / parts; h < (part + 1) * nHeads / parts; h++) {
                    softmaxScores(p, queries, q0 + h * D, c.keys[l], c.base(seq, h / kvMul), n, D, scale);
                    avgPool(pooled, p, n, W);
                    for (int j = 0; j < n; j++) if (pooled[j] > maxes[m + j]) maxes[m + j] = pooled[j];
                }
            }
        });
        for (int j = 0; j < n; j++) {
            float sum = 0f;
            for (int a = 0; a < nQ; a++) {
                float mx = 0f;
                for (int part = 0; part < parts; part++) mx = Math.max(mx, maxes[(a * parts + part) * n + j]);
                sum += mx;
            }
            out[outOff + j] = sum / nQ;
        }
    }

    /** dst[j] = (sum of p[i], i in [j - W/2, j - W/2 + W) ∩ [0, n)) / W: the first n outputs of avg_pool1d. */
    static void avgPool(float[] dst, float[] p, int n, int W) {
        for (int j = 0; j < n; j++) {
            int lo = Math.max(0, j - W / 2);
            int hi = Math.min(n, j - W / 2 + W);
            float s = 0f;
            for (int i = lo; i < hi; i++) s += p[i];
            dst[j] = s / W;
        }
    }

    /** Checks seq[t] and slot[t] of every row against the cache; returns the seq array. */
    private static int[] rowsChecked(CpuKvCache c, int layer, SeqBatch b, String op) {
        if (layer < 0 || layer >= c.layers()) {
            throw new IllegalArgumentException(op + ": layer " + layer + " outside [0, " + c.layers() + ")");
        }
        int[] seq = CpuBackend.i(b.seq(), op);
        int[] slot = CpuBackend.i(b.slot(), op);
        CpuBackend.need(op, "seq", seq.length, b.tokens());
        CpuBackend.need(op, "slot", slot.length, b.tokens());
        for (int t = 0; t < b.tokens(); t++) {
            if (seq[t] < 0 || seq[t] >= c.batch() || slot[t] < 0 || slot[t] >= c.capacity()) {
                throw new IllegalArgumentException(op + ": row " + t + " has seq " + seq[t] + ", slot " + slot[t]
                        + "; the cache has batch " + c.batch() + " and capacity " + c.capacity());
            }
        }
        return seq;
    }
}
