package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.SeqBatch;
import io.specprefill.udf.testing.Approx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * matmul and matmulAdd (cublasGemmEx; to_bf16_v1 first for a float32
 * x) against CpuBackend. Per shape:
 * <ul>
 *   <li>BF16-exact inputs: the GPU's BF16 cast is lossless, so only the float32 summation order
 *       differs: atol 1e-7 * k + rtol 1e-4 (float32 sums of k terms of magnitude &lt;= 0.5 whose partial
 *       sums reach ~|sqrt(k) * 0.2|; seen on an H100: 3.6e-4 at k = 14336). Far below any layout or
 *       transposition error, which would be O(1).</li>
 *   <li>General float32 inputs: x is rounded to BF16 (relative error 2^-9 per element), so the
 *       norm-wise error ||gpu - cpu|| / ||cpu|| must stay under 4e-3 (docs/design.md section 9: BF16 operands land
 *       between 1e-3 and 1e-2; random signs average the rounding to ~2^-9 / sqrt(3)).</li>
 *   <li>Narrow (BF16) x and output, and matmulAdd into a float32 x: the BF16-exact check with the
 *       output's own rounding added (rtol 1e-2) for the narrow one, float32 rounding for the add.</li>
 * </ul>
 */
class MatmulKernelTest {
    private final CpuBackend cpu = new CpuBackend();

    private float[] run(Backend b, float[] x, float[] w, int T, int n, int k) {
        try (Backend.Weight wt = b.weight(Gpu.bf16("w", w, n, k)); Backend.Tensor xt = Gpu.tensor(b, x);
             Backend.Tensor o = Gpu.poisoned(b, T * n)) {
            b.matmul(o, xt, wt, T, n, k);
            return Gpu.read(b, o);
        }
    }

    @ParameterizedTest(name = "matmul T={0} n={1} k={2}")
    @CsvSource({"1, 8, 16", "5, 37, 46", "7, 96, 64", "64, 6144, 4096", "1, 28672, 4096", "3, 2048, 14336",
            "2, 4096, 4096", "8, 1000, 4096", "9, 512, 256", "1, 128256, 2048"})
    void matmulMatchesCpu(int T, int n, int k) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(5);
        float[] w = Gpu.uniformBf16(r, n * k, 0.5);
        float[] xExact = Gpu.uniformBf16(r, T * k, 1.0);
        Approx.assertClose(run(cpu, xExact, w, T, n, k), run(gpu, xExact, w, T, n, k), 1e-7 * k, 1e-4,
                "matmul BF16-exact x, T=" + T + " n=" + n + " k=" + k);
        float[] x = Gpu.uniform(r, T * k, 1.0);
        float[] ref = run(cpu, x, w, T, n, k);
        double err = Gpu.relativeError(ref, run(gpu, x, w, T, n, k));
        assertTrue(err < 4e-3, "matmul float32 x, T=" + T + " n=" + n + " k=" + k + ": ||gpu - cpu|| / ||cpu|| = " + err);
    }

    @ParameterizedTest(name = "narrow matmul and matmulAdd T={0} n={1} k={2}")
    @CsvSource({"1, 8, 16", "5, 37, 48", "4, 6144, 4096", "64, 4096, 4096", "8, 4096, 14336", "33, 96, 64"})
    void narrowMatmulAndMatmulAddMatchCpu(int T, int n, int k) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(15);
        float[] w = Gpu.uniformBf16(r, n * k, 0.5);
        float[] x = Gpu.uniformBf16(r, T * k, 1.0);
        float[] residual = Gpu.uniform(r, T * n, 4.0);
        float[][] narrow = new float[2][], added = new float[2][];
        Backend[] backends = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Backend.Weight wt = b.weight(Gpu.bf16("w", w, n, k)); Backend.Tensor xt = Gpu.narrow(b, x);
                 Backend.Tensor o = Gpu.narrowPoisoned(b, T * n); Backend.Tensor acc = Gpu.tensor(b, residual)) {
                b.matmul(o, xt, wt, T, n, k);
                b.matmulAdd(acc, xt, wt, T, n, k);
                narrow[i] = Gpu.read(b, o);
                added[i] = Gpu.read(b, acc);
            }
        }
        String shape = " T=" + T + " n=" + n + " k=" + k;
        Approx.assertClose(narrow[0], narrow[1], 1e-7 * k, 1e-2, "matmul BF16 x and out," + shape);
        Approx.assertClose(added[0], added[1], 1e-7 * k, 1e-4, "matmulAdd BF16 x into float32," + shape);
    }

    /**
     * A single row (decode at batch 1) by gemv_v3 and by cuBLAS (gemvVersion 3 and 0), against the CPU,
     * in all three outputs (float32, BF16, float32 +=): k at the chunk-count edges (16 = half a lane's
     * chunk row, 40 and 1000 not a multiple of 256, 2048 and 4096 the 1B's and 8B's widths) and n not a
     * multiple of the 8 rows a block; k 8192 and 14336 stay on cuBLAS under either version. Bounds as
     * above; the two GPU paths also agree with each other.
     */
    @ParameterizedTest(name = "single row by gemv_v3 and cuBLAS n={0} k={1}")
    @CsvSource({"8, 16", "37, 40", "100, 1000", "3072, 2048", "6144, 4096", "4096, 4096", "5, 4096", "1031, 2056",
            "4096, 14336", "2048, 8192"})
    void singleRowByGemvAndCublasMatchCpu(int n, int k) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(25);
        float[] w = Gpu.uniformBf16(r, n * k, 0.5);
        float[] x = Gpu.uniformBf16(r, k, 1.0);
        float[] residual = Gpu.uniform(r, n, 4.0);
        String shape = " n=" + n + " k=" + k;
        float[][] cpuOut = outputs(cpu, w, x, residual, n, k);
        float[][][] gpuOut = new float[2][][];
        int[] versions = {3, 0};
        try {
            for (int i = 0; i < 2; i++) {
                gpu.choice.gemvVersion = versions[i];
                gpuOut[i] = outputs(gpu, w, x, residual, n, k);
            }
        } finally {
            gpu.choice.reset();
        }
        for (int i = 0; i < 2; i++) {
            String by = (versions[i] == 3 ? " by gemv_v3," : " by cuBLAS,") + shape;
            Approx.assertClose(cpuOut[0], gpuOut[i][0], 1e-7 * k, 1e-4, "matmul float32 out" + by);
            Approx.assertClose(cpuOut[1], gpuOut[i][1], 1e-7 * k, 1e-2, "matmul BF16 out" + by);
            Approx.assertClose(cpuOut[2], gpuOut[i][2], 1e-7 * k, 1e-4, "matmulAdd into float32" + by);
        }
        Approx.assertClose(gpuOut[1][0], gpuOut[0][0], 1e-7 * k, 1e-4, "gemv_v3 against cuBLAS, float32 out," + shape);
    }

    /**
     * On an sm_90 device the GEMVs launch programmatically (ProgrammaticLaunch: the JNI bridge and the
     * driver's cuLaunchKernelEx), unless turned off; every gemv_v3 test in this class then runs that way.
     */
    @Test
    void gemvsLaunchProgrammaticallyOnHopper() {
        CudaBackend gpu = Gpu.backend();
        assumeTrue(gpu.describe().contains("(sm_9"), "not an sm_90 device: " + gpu.describe());
        assumeFalse("false".equals(System.getProperty("specprefill.cuda.pdl")),
                "specprefill.cuda.pdl=false");
        assertTrue(gpu.describe().contains("programmatic launch on"), gpu.describe());
    }

    /** [float32 out, BF16 out, residual + x w^T] of one row. */
    private static float[][] outputs(Backend b, float[] w, float[] x, float[] residual, int n, int k) {
        try (Backend.Weight wt = b.weight(Gpu.bf16("w", w, n, k)); Backend.Tensor xt = Gpu.narrow(b, x);
             Backend.Tensor wide = Gpu.poisoned(b, n); Backend.Tensor narrow = Gpu.narrowPoisoned(b, n);
             Backend.Tensor acc = Gpu.tensor(b, residual)) {
            b.matmul(wide, xt, wt, 1, n, k);
            b.matmul(narrow, xt, wt, 1, n, k);
            b.matmulAdd(acc, xt, wt, 1, n, k);
            return new float[][]{Gpu.read(b, wide), Gpu.read(b, narrow), Gpu.read(b, acc)};
        }
    }

    /**
     * rmsnormGateUp (norm, w13, SwiGLU) on the GPU against the CPU's composition in float32: one row runs
     * rmsnorm and the fused gemv_v3 SwiGLU kernel, three rows (and gemvVersion 0 at one row) the
     * composition of the GPU's own kernels. The GPU rounds the normed x (relative 2^-9) and the output
     * to BF16, so the bound is norm-wise 1e-2 (a product silu(g) * u of two sums each off by ~2^-9,
     * fewer terms averaging at k = 16) and elementwise 2% of the output's RMS + rtol 2e-2 (BF16's
     * absolute error grows with the values, ~30 here). hidden 37 and 1031 are not multiples of the 4
     * SwiGLU pairs a block; k 40 is not a multiple of 256.
     */
    @ParameterizedTest(name = "rmsnormGateUp T={0} k={1} hidden={2} gemv v{3}")
    @CsvSource({"1, 16, 4, 3", "1, 40, 37, 3", "1, 2048, 1031, 3", "1, 4096, 3584, 3", "3, 4096, 300, 3",
            "1, 4096, 3584, 0"})
    void fusedGateUpMatchesCpu(int T, int k, int hidden, int version) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(35 + k);
        float[] x = Gpu.uniform(r, T * k, 3.0);
        float[] norm = Gpu.uniform(r, k, 1.0);
        for (int i = 0; i < k; i++) norm[i] += 1.5f;
        float[] w13 = Gpu.uniformBf16(r, 2 * hidden * k, 0.5);
        float[][] mlp = new float[2][];
        Backend[] backends = {cpu, gpu};
        try {
            gpu.choice.gemvVersion = version;
            for (int i = 0; i < 2; i++) {
                Backend b = backends[i];
                try (Backend.Weight nw = b.weight(Gpu.f32("norm", norm, 1, k)); Backend.Tensor xt = Gpu.tensor(b, x);
                     Backend.Weight w13t = b.weight(Gpu.bf16("w13", w13, 2 * hidden, k));
                     Backend.Tensor xb = b.narrowTensor((long) T * k);
                     Backend.Tensor gateUp = b.narrowTensor(2L * T * hidden);
                     Backend.Tensor h = Gpu.narrowPoisoned(b, T * hidden)) {
                    b.rmsnormGateUp(h, gateUp, xb, xt, nw, w13t, T, hidden, k, 1e-5f);
                    mlp[i] = Gpu.read(b, h);
                }
            }
        } finally {
            gpu.choice.reset();
        }
        String shape = " T=" + T + " k=" + k + " hidden=" + hidden + " gemv v" + version;
        Approx.assertClose(mlp[0], mlp[1], 2e-2 * rms(mlp[0]), 2e-2, "rmsnormGateUp," + shape);
        double err = Gpu.relativeError(mlp[0], mlp[1]);
        assertTrue(err < 1e-2, "rmsnormGateUp," + shape + ": ||gpu - cpu|| / ||cpu|| = " + err);
    }

    private static double rms(float[] v) {
        double ss = 0;
        for (float f : v) ss += (double) f * f;
        return Math.sqrt(ss / v.length);
    }

    /**
     * attentionInput of one decode row (norm, qkv projection, RoPE, cache write): the fused gemv_v3
     * launch (gemvVersion 3) against the GPU's own composition (gemvVersion 0: rmsnorm, matmul, rope,
     * kv_write, each tested against the CPU elsewhere) and against the CPU's composition. The qkv rows
     * agree to BF16 roundings (atol 2% of their RMS + rtol 2e-2; norm-wise 4e-3 against the CPU's float32: the
     * composition rounds before and after RoPE, the fused kernel once); in the
     * two poisoned GPU caches exactly the row's slot is written, with the same keys and values. A large
     * position (131071) exercises sincosf's range reduction.
     */
    @ParameterizedTest(name = "attentionInput fused H={0} G={1} D={2} dim={3}")
    @CsvSource({"4, 2, 16, 40", "6, 3, 32, 2048", "32, 8, 128, 4096", "8, 1, 64, 512"})
    void fusedAttentionInputMatchesComposition(int H, int G, int D, int dim) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(45 + D);
        int n = (H + 2 * G) * D, layer = 1, seq = 2, slot = 17;
        float eps = 1e-5f;
        float[] x = Gpu.uniform(r, dim, 3.0);
        float[] norm = Gpu.uniform(r, dim, 1.0);
        for (int i = 0; i < dim; i++) norm[i] += 1.5f;
        float[] w = Gpu.uniformBf16(r, n * dim, 0.5);
        float[] freq = new float[D / 2];
        for (int i = 0; i < D / 2; i++) freq[i] = (float) Math.pow(500000, -2.0 * i / D);
        Backend[] backends = {cpu, gpu, gpu};
        int[] versions = {3, 3, 0};
        float[][] qkv = new float[3][];
        float[][][] cached = new float[3][][];
        try {
            for (int i = 0; i < 3; i++) {
                Backend b = backends[i];
                gpu.choice.gemvVersion = versions[i];
                SeqBatch row = new SeqBatch(3, 1, new int[]{0, 1}, new int[]{seq}, new int[]{seq}, new int[]{slot},
                        Gpu.ints(b, new int[]{seq}), Gpu.ints(b, new int[]{slot}));
                try (Backend.Weight nw = b.weight(Gpu.f32("norm", norm, 1, dim));
                     Backend.Weight wt = b.weight(Gpu.bf16("wqkv", w, n, dim));
                     Backend.Tensor xt = Gpu.tensor(b, x); Backend.Tensor xb = b.narrowTensor(dim);
                     Backend.Tensor out = Gpu.narrowPoisoned(b, n); Backend.Ints pos = Gpu.ints(b, new int[]{131071});
                     Backend.Tensor f = Gpu.tensor(b, freq); Backend.KvCache cache = b.kvCache(2, 3, 50, G, D)) {
                    if (b == gpu) gpu.poisonCache(cache);
                    b.attentionInput(out, xb, xt, nw, wt, pos, f, cache, layer, row, H, G, D, dim, eps);
                    qkv[i] = Gpu.read(b, out);
                    if (b == gpu) {
                        cached[i] = new float[][]{gpu.readCache(cache, layer, false), gpu.readCache(cache, layer, true)};
                    }
                }
            }
        } finally {
            gpu.choice.reset();
        }
        String shape = " H=" + H + " G=" + G + " D=" + D + " dim=" + dim;
        double atol = 2e-2 * rms(qkv[0]);
        Approx.assertClose(qkv[2], qkv[1], atol, 2e-2, "attentionInput fused against the GPU's composition," + shape);
        Approx.assertClose(qkv[0], qkv[1], atol, 2e-2, "attentionInput fused against the CPU's composition," + shape);
        double err = Gpu.relativeError(qkv[0], qkv[1]);
        assertTrue(err < 4e-3, "attentionInput fused," + shape + ": ||gpu - cpu|| / ||cpu|| = " + err);
        for (int v = 0; v < 2; v++) {
            float[] want = cached[2][v], got = cached[1][v];
            String what = (v == 0 ? "keys" : "values") + " in the cache," + shape;
            int written = 0;
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.isNaN(want[i]), Float.isNaN(got[i]), what + ": written-ness differs at " + i);
                if (!Float.isNaN(want[i])) written++;
            }
            assertEquals(G * D, written, what + ": one slot of every KV head");
            Approx.assertClose(want, got, atol, 2e-2, what);
        }
    }
}
