package io.specprefill.udf.testing;

import io.specprefill.udf.model.HostTensor;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.LlamaWeights;

/**
 * A plain double-precision Llama forward pass for one sequence, written straight from the HF
 * modeling code (Llama, plus Qwen2's q/k/v biases and Qwen3's q/k norms) with no backend, no KV cache and no batching: the reference the optimised forward
 * pass is tested against on random checkpoints. Rows attend causally in row order; RoPE uses the
 * given positions (gaps allowed), inverse frequencies computed in double.
 */
public final class NaiveLlama {
    private final LlamaConfig c;
    private final double[] emb, finalNorm, head;
    private final double[][] attnNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3;
    private final double[][] bq, bk, bv, bo, qNorm, kNorm; // null where the architecture has none
    private final double[] invFreq;

    public NaiveLlama(LlamaConfig config, LlamaWeights w) {
        this.c = config;
        int L = c.nLayers();
        emb = d(w.tokenEmbedding);
        finalNorm = d(w.finalNorm);
        head = d(w.lmHead);
        attnNorm = new double[L][]; wq = new double[L][]; wk = new double[L][]; wv = new double[L][];
        wo = new double[L][]; ffnNorm = new double[L][]; w1 = new double[L][]; w2 = new double[L][]; w3 = new double[L][];
        for (int l = 0; l < L; l++) {
            attnNorm[l] = d(w.attnNorm[l]); wq[l] = d(w.wq[l]); wk[l] = d(w.wk[l]); wv[l] = d(w.wv[l]);
            wo[l] = d(w.wo[l]); ffnNorm[l] = d(w.ffnNorm[l]); w1[l] = d(w.w1[l]); w2[l] = d(w.w2[l]); w3[l] = d(w.w3[l]);
        }
        bq = ds(w.bq); bk = ds(w.bk); bv = ds(w.bv); bo = ds(w.bo); qNorm = ds(w.qNorm); kNorm = ds(w.kNorm);
        invFreq = invFreq(config);
    }

    private static double[][] ds(HostTensor[] ts) {
        if (ts == null) return null;
        double[][] out = new double[ts.length][];
        for (int l = 0; l < ts.length; l++) out[l] = d(ts[l]);
        return out;
    }

    private static double[] d(HostTensor t) {
        float[] f = t.toFloatArray();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    /** HF's default and llama3 inverse frequencies, in double. */
    public static double[] invFreq(LlamaConfig c) {
        int half = c.headDim() / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) inv[i] = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / c.headDim());
        LlamaConfig.RopeScaling s = c.ropeScaling();
        if (s == null) return inv;
        double lowWave = s.originalMaxPositions() / (double) s.lowFreqFactor();
        double highWave = s.originalMaxPositions() / (double) s.highFreqFactor();
        for (int i = 0; i < half; i++) {
            double wave = 2 * Math.PI / inv[i];
            if (wave < highWave) continue;
            if (wave > lowWave) {
                inv[i] /= s.factor();
            } else {
                double smooth = (s.originalMaxPositions() / wave - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
            }
        }
        return inv;
    }

    /** Logits [T * vocab] of every row. */
    public float[] logits(int[] tokens, int[] positions) {
        int T = tokens.length, dim = c.dim(), H = c.nHeads(), G = c.nKvHeads(), D = c.headDim();
        double[][] x = new double[T][];
        for (int t = 0; t < T; t++) x[t] = java.util.Arrays.copyOfRange(emb, tokens[t] * dim, (tokens[t] + 1) * dim);
        for (int l = 0; l < c.nLayers(); l++) {
            double[][] q = new double[T][], k = new double[T][], v = new double[T][];
            for (int t = 0; t < T; t++) {
                double[] xn = rmsnorm(x[t], attnNorm[l]);
                q[t] = linear(wq[l], xn, H * D);
                k[t] = linear(wk[l], xn, G * D);
                v[t] = linear(wv[l], xn, G * D);
                if (bq != null) {
                    add(q[t], bq[l]);
                    add(k[t], bk[l]);
                    add(v[t], bv[l]);
                }
                if (qNorm != null) {
                    headNorm(q[t], qNorm[l], H);
                    headNorm(k[t], kNorm[l], G);
                }
                rope(q[t], positions[t], H);
                rope(k[t], positions[t], G);
            }
            for (int t = 0; t < T; t++) {
                double[] att = new double[H * D];
                for (int h = 0; h < H; h++) {
                    int g = h / (H / G);
                    double[] p = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j <= t; j++) {
                        double s = 0;
                        for (int i = 0; i < D; i++) s += q[t][h * D + i] * k[j][g * D + i];
                        p[j] = s / Math.sqrt(D);
                        max = Math.max(max, p[j]);
                    }
                    for (int j = 0; j <= t; j++) sum += (p[j] = Math.exp(p[j] - max));
                    for (int j = 0; j <= t; j++) {
                        for (int i = 0; i < D; i++) att[h * D + i] += p[j] / sum * v[j][g * D + i];
                    }
                }
                double[] o = linear(wo[l], att, dim);
                if (bo != null) add(o, bo[l]);
                add(x[t], o);
            }
            for (int t = 0; t < T; t++) {
                double[] xn = rmsnorm(x[t], ffnNorm[l]);
                double[] gate = linear(w1[l], xn, c.hiddenDim()), up = linear(w3[l], xn, c.hiddenDim());
                for (int i = 0; i < gate.length; i++) gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                add(x[t], linear(w2[l], gate, dim));
            }
        }
        float[] out = new float[T * c.vocabSize()];
        for (int t = 0; t < T; t++) {
            double[] logits = linear(head, rmsnorm(x[t], finalNorm), c.vocabSize());
            for (int j = 0; j < logits.length; j++) out[t * c.vocabSize() + j] = (float) logits[j];
        }
        return out;
    }

    private double[] rmsnorm(double[] x, double[] w) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double inv = 1 / Math.sqrt(ss / x.length + c.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = w[i] * x[i] * inv;
        return out;
    }

    /** Qwen3RMSNorm over each head of v in place (weight w [D] shared by the heads). */
    private void headNorm(double[] v, double[] w, int heads) {
        int D = c.headDim();
        for (int h = 0; h < heads; h++) {
            double[] normed = rmsnorm(java.util.Arrays.copyOfRange(v, h * D, (h + 1) * D), w);
            System.arraycopy(normed, 0, v, h * D, D);
        }
    }

    /** w [n, x.length] times x. */
    private static double[] linear(double[] w, double[] x, int n) {
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < x.length; i++) s += w[j * x.length + i] * x[i];
            out[j] = s;
        }
        return out;
    }

    /** rotate_half RoPE of every head of v in place. */
    private double[] rope(double[] v, int pos, int heads) {
        int D = c.headDim(), half = D / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double a = pos * invFreq[i], cos = Math.cos(a), sin = Math.sin(a);
                double x0 = v[h * D + i], x1 = v[h * D + i + half];
                v[h * D + i] = x0 * cos - x1 * sin;
                v[h * D + i + half] = x1 * cos + x0 * sin;
            }
        }
        return v;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }
}
