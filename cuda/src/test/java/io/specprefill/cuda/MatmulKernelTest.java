package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.testing.Approx;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
