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
        Parallel.parallelFor(T * nHeads, item -> {
            int t = item / nHeads;
            int h = item % nHeads;
            int n = slot[t] + 1;
            int kv = c.base(seq[t], h / kvMul);
            float[] p = scratch(n);
            softmaxScores(p, qkv, t * stride + h * D, keys, kv, n, D, scale);
            int o = t * nHeads * D + h * D;
            weightedSum(out, o, p, values, kv, n, D);
        });
    }

    /** out[o + d] = sum_j p[j] * values[kv + j*D + d]: four value rows per pass over out (fewer loads and stores). */
    private static void weightedSum(float[] out, int o, float[] p, float[] values, int kv, int n, int D) {
        for (int d = 0; d < D; d++) out[o + d] = 0f;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            float p0 = p[j], p1 = p[j + 1], p2 = p[j + 2], p3 = p[j + 3];
            int v0 = kv + j * D, v1 = v0 + D, v2 = v1 + D, v3 = v2 + D;
            for (int d = 0; d < D; d++) {
                out[o + d] += p0 * values[v0 + d] + p1 * values[v1 + d] + p2 * values[v2 + d] + p3 * values[v3 + d];
            }
        }
        for (; j < n; j++) {
            float pj = p[j];
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
        float max = Float.NEGATIVE_INFINITY;
        for (j = 0; j < n; j++) max = Math.max(max, p[j]);
        float sum = 0f;
        for (j = 0; j < n; j++) {
            float e = (float) Math.exp(p[j] - max);
            p[j] = e;
            sum += e;
        }
        for (j = 0; j < n; j++) p[j] /= sum;
    }

    /**
     * SPEC.md 4 steps 3-4 for one sequence: per (layer, head, recorded query) the softmax over the n
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
