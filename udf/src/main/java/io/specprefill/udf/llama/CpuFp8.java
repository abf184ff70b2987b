package io.specprefill.udf.llama;

import io.specprefill.udf.llama.CpuHandles.CpuWeight;
import io.specprefill.udf.model.Fp8;
import io.specprefill.udf.model.Fp8Matrix;

/**
 * The FP8 weights of {@link CpuBackend} and its W8A8 GEMM, the CPU twin of the GPU's cuBLASLt FP8
 * GEMM (semantics: {@link Backend#weightFp8}). The weight's E4M3 codes are held decoded in float32
 * (exact), so the product runs through {@link CpuMatmul} on exact FP8 values: per-token activation
 * codes qx times weight codes qw, summed in float32, then scaled by sx[t] * sw[j].
 */
final class CpuFp8 {
    private CpuFp8() {
    }

    /** Per-thread scratch: qx [T * k], sx [T], and the product [T * n] for matmulAdd. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    /** The blocks stacked along dim 0: codes decoded, scales concatenated. */
    static CpuWeight weight(Fp8Matrix[] blocks) {
        if (blocks.length == 0) throw new IllegalArgumentException("weightFp8: no matrices given");
        int cols = blocks[0].cols();
        long rows = 0;
        for (Fp8Matrix m : blocks) {
            if (m.cols() != cols) {
                throw new IllegalArgumentException("weightFp8: cannot stack " + m + " under " + blocks[0] + ": "
                        + m.cols() + " columns, expected " + cols);
            }
            rows += m.rows();
        }
        float[] data = new float[CpuBackend.checkedSize(rows * cols, "weightFp8")];
        float[] scales = new float[(int) rows];
        int row = 0;
        for (Fp8Matrix m : blocks) {
            int base = row;
            Parallel.parallelFor(m.rows(), r -> {
                int o = (base + r) * cols;
                for (int c = 0; c < cols; c++) data[o + c] = Fp8.decode(m.code(r, c));
            });
            System.arraycopy(m.scales(), 0, scales, row, m.rows());
            row += m.rows();
        }
        return new CpuWeight(data, (int) rows, cols, scales);
    }

    /** out[T, n] (+)= W8A8(x[T, k], w[n, k]): Backend.weightFp8's three steps. */
    static void matmul(float[] out, float[] x, CpuWeight w, int T, int n, int k, boolean accumulate) {
        float[][] s = SCRATCH.get();
        float[] qx = s[0].length >= T * k ? s[0] : (s[0] = new float[T * k]);
        float[] sx = s[1].length >= T ? s[1] : (s[1] = new float[T]);
        CpuBackend.forRows(T, k, t -> sx[t] = Fp8.quantizeRowDecoded(x, t * k, k, qx, t * k));
        float[] acc = out;
        if (accumulate) acc = s[2].length >= T * n ? s[2] : (s[2] = new float[T * n]);
        CpuMatmul.matmul(acc, qx, w.data, T, n, k, false);
        float[] prod = acc;
        CpuBackend.forRows(T, n, t -> {
            int o = t * n;
            for (int j = 0; j < n; j++) {
                float v = prod[o + j] * (sx[t] * w.scales[j]);
                out[o + j] = accumulate ? out[o + j] + v : v;
            }
        });
    }
}
