package io.specprefill.udf.llama;

/**
 * out[T, n] = x[T, k] · w[n, k]^T in float32, or out += x · w^T (accumulate: the residual fused into the
 * out- and down-projections): the CPU hot spot (every projection and the LM head).
 *
 * <p>Work is cut into tiles of TB rows of x by NB rows of w, sized so that both blocks stay in L2
 * ({@code TILE_BYTES} each); tiles run in parallel. Inside a tile a 4x4 register block computes 16
 * dot products at once, so each loaded float feeds 4 multiply-adds instead of 1. Each dot product
 * sums over k in order, in float32, whatever the tiling: a row gives the same
 * bits alone or in a batch. Plain scalar Java: the JIT does not vectorize float reductions
 * (it must keep their order), so the register block is what buys the speed.
 */
final class CpuMatmul {
    private CpuMatmul() {
    }

    /** Bytes of x rows (and of w rows) per tile: about half of a typical 1-2 MB L2. */
    private static final int TILE_BYTES = 256 * 1024;

    static void matmul(float[] out, float[] x, float[] w, int T, int n, int k, boolean accumulate) {
        int rowsPerTile = Math.max(4, (TILE_BYTES / 4 / Math.max(1, k)) & ~3);
        int tb = Math.min(roundUp4(T), rowsPerTile);
        int nb = Math.min(roundUp4(n), rowsPerTile);
        // Decode (T small): make sure every worker gets column tiles even for narrow outputs.
        int minTiles = 4 * Parallel.threads();
        int tTiles = (T + tb - 1) / tb;
        while (nb > 4 && tTiles * ((n + nb - 1) / nb) < minTiles) nb = Math.max(4, (nb / 2) & ~3);
        int nTiles = (n + nb - 1) / nb;
        final int fnb = nb;
        Parallel.parallelFor(tTiles * nTiles, tile -> {
            int t0 = (tile / nTiles) * tb;
            int j0 = (tile % nTiles) * fnb;
            tile(out, x, w, t0, Math.min(T, t0 + tb), j0, Math.min(n, j0 + fnb), n, k, accumulate);
        });
    }

    private static int roundUp4(int v) {
        return (v + 3) & ~3;
    }

    /** Rows [t0, t1) of x against rows [j0, j1) of w. */
    private static void tile(float[] out, float[] x, float[] w, int t0, int t1, int j0, int j1, int n, int k,
                             boolean acc) {
        int j = j0;
        for (; j + 4 <= j1; j += 4) {
            int t = t0;
            for (; t + 4 <= t1; t += 4) block4x4(out, x, w, t, j, n, k, acc);
            for (; t < t1; t++) block1x4(out, x, w, t, j, n, k, acc);
        }
        for (; j < j1; j++) {
            for (int t = t0; t < t1; t++) put(out, t * n + j, dot(x, t * k, w, j * k, k), acc);
        }
    }

    /** out[t..t+4, j..j+4] from 4 rows of x and 4 rows of w: 16 accumulators, 8 loads per k step. */
    private static void block4x4(float[] out, float[] x, float[] w, int t, int j, int n, int k, boolean acc) {
        int x0 = t * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        int w0 = j * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < k; p++) {
            float a0 = x[x0 + p], a1 = x[x1 + p], a2 = x[x2 + p], a3 = x[x3 + p];
            float b0 = w[w0 + p], b1 = w[w1 + p], b2 = w[w2 + p], b3 = w[w3 + p];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        int o = t * n + j;
        put(out, o, c00, acc); put(out, o + 1, c01, acc); put(out, o + 2, c02, acc); put(out, o + 3, c03, acc);
        o += n;
        put(out, o, c10, acc); put(out, o + 1, c11, acc); put(out, o + 2, c12, acc); put(out, o + 3, c13, acc);
        o += n;
        put(out, o, c20, acc); put(out, o + 1, c21, acc); put(out, o + 2, c22, acc); put(out, o + 3, c23, acc);
        o += n;
        put(out, o, c30, acc); put(out, o + 1, c31, acc); put(out, o + 2, c32, acc); put(out, o + 3, c33, acc);
    }

    /** out[t, j..j+4]: the decode case (T = 1), 4 independent sums instead of one dependent chain. */
    private static void block1x4(float[] out, float[] x, float[] w, int t, int j, int n, int k, boolean acc) {
        int x0 = t * k;
        int w0 = j * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        float c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (int p = 0; p < k; p++) {
            float a = x[x0 + p];
            c0 += a * w[w0 + p]; c1 += a * w[w1 + p]; c2 += a * w[w2 + p]; c3 += a * w[w3 + p];
        }
        int o = t * n + j;
        put(out, o, c0, acc); put(out, o + 1, c1, acc); put(out, o + 2, c2, acc); put(out, o + 3, c3, acc);
    }

    /** out[i] = v, or out[i] += v when accumulating (the same float addition as a separate residual add). */
    private static void put(float[] out, int i, float v, boolean acc) {
        out[i] = acc ? out[i] + v : v;
    }

    /** One dot product; 4 independent partial sums would change the summation order, so none. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int k) {
        float s = 0f;
        for (int p = 0; p < k; p++) s += a[aOff + p] * b[bOff + p];
        return s;
    }
}
