package io.specprefill.udf.llama;

import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.Fp8;
import io.specprefill.udf.model.Fp8Matrix;
import io.specprefill.udf.testing.TinyLlama;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CpuBackend's W8A8 GEMM (Backend.weightFp8) against a double-precision evaluation of the same
 * three steps, at odd shapes with a zero row and an outlier row of x: per element within the float32
 * summation bound k * 2^-23 * sum_p |qx qw| * sx * sw. Also how far W8A8 lands from the unquantized
 * float32 product (the quantisation error itself) at k >= 32: norm-wise under 6e-2 (seen: 0.031-0.040;
 * 0.15 for a single dot of 16 terms, where cancellation leaves no averaging).
 */
class CpuFp8Test {
    private final CpuBackend cpu = new CpuBackend();

    @ParameterizedTest(name = "W8A8 T={0} n={1} k={2}")
    @CsvSource({"1, 1, 16", "3, 5, 7", "5, 37, 46", "17, 33, 100", "64, 96, 256", "2, 160, 96"})
    void matmulAndMatmulAddMatchADoubleReference(int T, int n, int k) {
        Random r = new Random(T * 1000 + n);
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.05 * (1 + i / k % 3));
        float[] x = new float[T * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        if (T > 2) {
            java.util.Arrays.fill(x, 0, k, 0f);      // a zero row: scale 1, codes 0, output 0
            x[k + k / 2] = 300f;                     // an outlier row: the rest of it loses precision
        }
        Fp8Matrix wq = Fp8Matrix.quantize(TinyLlama.tensor("w", DType.BF16, new long[]{n, k}, w));
        float[] residual = new float[T * n];
        for (int i = 0; i < residual.length; i++) residual[i] = (float) r.nextGaussian();
        float[] out, added;
        try (Backend.Weight wt = cpu.weightFp8(wq); Backend.Tensor xt = cpu.tensor(T * k);
             Backend.Tensor o = cpu.tensor(T * n); Backend.Tensor acc = cpu.tensor(T * n)) {
            cpu.write(xt, 0, x, x.length);
            cpu.write(acc, 0, residual, residual.length);
            cpu.matmul(o, xt, wt, T, n, k);
            cpu.matmulAdd(acc, xt, wt, T, n, k);
            out = new float[T * n];
            added = new float[T * n];
            cpu.read(o, 0, out, out.length);
            cpu.read(acc, 0, added, added.length);
        }
        double num = 0, den = 0;
        for (int t = 0; t < T; t++) {
            byte[] qx = new byte[k];
            float sx = Fp8.quantizeRow(x, t * k, k, qx, 0);
            for (int j = 0; j < n; j++) {
                double sum = 0, sumAbs = 0, exact = 0;
                for (int p = 0; p < k; p++) {
                    double prod = (double) Fp8.decode(qx[p]) * Fp8.decode(wq.code(j, p));
                    sum += prod;
                    sumAbs += Math.abs(prod);
                    exact += (double) x[t * k + p] * w[j * k + p];
                }
                double scale = (double) sx * wq.scales()[j];
                double ref = sum * scale;
                double tol = (k * 0x1p-23 * sumAbs + 1e-3) * scale + 1e-30;
                int i = t * n + j;
                assertTrue(Math.abs(out[i] - ref) <= tol, "matmul [" + t + ", " + j + "]: " + out[i] + " vs " + ref);
                assertTrue(Math.abs(added[i] - (residual[i] + ref)) <= tol + Math.ulp(Math.abs(residual[i]) + Math.abs((float) ref)),
                        "matmulAdd [" + t + ", " + j + "]: " + added[i] + " vs " + (residual[i] + ref));
                if (t >= 2 || T <= 2) {   // the outlier row is expected to lose its small values
                    num += (out[i] - exact) * (out[i] - exact);
                    den += exact * exact;
                }
            }
        }
        double rel = Math.sqrt(num / den);
        System.out.printf("W8A8 T=%d n=%d k=%d: ||fp8 - exact|| / ||exact|| = %.4f%n", T, n, k, rel);
        if (k >= 32) assertTrue(rel < 6e-2, "quantisation error " + rel);
    }

    @ParameterizedTest(name = "FP8 weights are GEMM operands only ({0})")
    @CsvSource({"embed", "rmsnorm"})
    void fp8WeightsAreRefusedOutsideGemms(String op) {
        Fp8Matrix m = Fp8Matrix.quantize(TinyLlama.tensor("w", DType.F32, new long[]{4, 16}, new float[64]));
        try (Backend.Weight w = cpu.weightFp8(m); Backend.Tensor t = cpu.tensor(64); Backend.Ints ids = cpu.ints(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                if (op.equals("embed")) cpu.embed(t, w, ids, 1, 16);
                else cpu.rmsnorm(t, t, w, 1, 16, 1e-5f);
            });
            assertTrue(e.getMessage().contains("FP8 weight"), e.getMessage());
        }
    }
}
