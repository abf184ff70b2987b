package io.specprefill.udf.llama;

/**
 * The per-row arithmetic of {@link CpuBackend}'s norms and biases, on plain float arrays (the
 * backend checks shapes and spreads rows over threads): one RMSNorm serves rmsnorm (a row of dim)
 * and rmsnormHeads (a head of D inside a fused qkv row).
 */
final class CpuRowOps {
    private CpuRowOps() {
    }

    /**
     * out[outOff + j] = w[j] * (x[xOff + j] * rsqrt(mean(x^2) + eps)), j &lt; n: HF's LlamaRMSNorm /
     * Qwen3RMSNorm in float32 (the sum of squares in double, then rounded as the float mean). out may be x.
     */
    static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] w, int n, float eps) {
        double ss = 0;
        for (int j = 0; j < n; j++) {
            double v = x[xOff + j];
            ss += v * v;
        }
        float inv = (float) (1.0 / Math.sqrt((float) (ss / n) + eps));
        for (int j = 0; j < n; j++) out[outOff + j] = w[j] * (x[xOff + j] * inv);
    }

    /** x[off + j] += bias[j], j &lt; n. */
    static void addBias(float[] x, int off, float[] bias, int n) {
        for (int j = 0; j < n; j++) x[off + j] += bias[j];
    }
}
