package io.specprefill.cuda;

import io.specprefill.cuda.Launcher.Kernel;

/**
 * The W8A8 GEMM of an FP8 weight (Backend.weightFp8's semantics; CpuFp8 is the CPU twin): quantise
 * the activations per token (quantize_fp8.cu), then one cuBLASLt FP8 GEMM, in one of two versions:
 * <ul>
 *   <li>2: cuBLASLt applies the token scales sx [T] and the channel scales sw [n] itself (outer-vector
 *       scaling: no scratch, no extra pass), writing f32, BF16, or f32 += for the residual;</li>
 *   <li>1: an unscaled FP8 GEMM into f32 scratch [T, n], then fp8_scale_v1 writes acc * sx[t] * sw[j]
 *       (or adds it). Serves where cuBLASLt refuses outer-vector scales (before CUDA 12.9).</li>
 *   <li>3: version 2, except that a single row (a decode step at batch 1) goes to our fp8_gemv_v1
 *       (fp8_gemv.cu): at T = 1 cuBLASLt's FP8 GEMMs use the bandwidth worse than BF16 does. The
 *       default: a decode step of the 8B shape over a 32K cache takes 5.98 ms against 7.05 by version
 *       2 (BF16: 6.14), the 70B shape 29.8 against 42.2 (H200, 2026-11-30, BENCHMARKS.md).</li>
 * </ul>
 * Shapes: k % 16 == 0 (checked at upload and here), x f32 or BF16 [T, k]. Hopper's FP8 tensor cores
 * need A transposed and B not ("TN"): the bridge lays out w [n, k] as op(A) and x [T, k] as B.
 */
final class Fp8Kernels {
    private static final System.Logger LOG = System.getLogger("io.specprefill.cuda");

    private final Launcher l;
    private final Cublas cublas;
    private final Scratch scratch;
    private boolean outerVecRefused;

    private final Kernel[] quantize = {new Kernel("quantize_fp8", "quantize_fp8_v1_f32"),
            new Kernel("quantize_fp8", "quantize_fp8_v1_bf16")};
    private final Kernel[] scale = {new Kernel("quantize_fp8", "fp8_scale_v1_f32"),
            new Kernel("quantize_fp8", "fp8_scale_v1_bf16")};
    /** [out: BF16, f32, f32 +=]. */
    private final Kernel[] gemv = {new Kernel("fp8_gemv", "fp8_gemv_v1_bf16"), new Kernel("fp8_gemv", "fp8_gemv_v1_f32"),
            new Kernel("fp8_gemv", "fp8_gemv_v1_add")};

    Fp8Kernels(Launcher launcher, Cublas cublas, Scratch scratch) {
        this.l = launcher;
        this.cublas = cublas;
        this.scratch = scratch;
    }

    /** q [rows, k] E4M3 and scales [rows] f32 of x [rows, k] (f32 or BF16), one block per row. */
    void quantize(long q, long scales, long x, boolean bf16, int rows, int k) {
        if (rows == 0) return;
        int threads = k >= 1024 ? 256 : 128;
        l.launch(quantize[bf16 ? 1 : 0], rows, 1, 1, threads, 0).ptr(q).ptr(scales).ptr(x).i(k).go();
    }

    /**
     * out [T, n] (f32, BF16, or f32 +=) = W8A8(x [T, k], w): the weight's codes at w, its scales at
     * wScale [n]; version 2 or 1 (see the class comment).
     */
    void matmul(int version, long out, boolean outBf16, boolean accumulate, long x, boolean xBf16, long w, long wScale,
                int T, int n, int k) {
        if (T == 0) return;
        if (k % 16 != 0) throw new CudaException(l.device + ": FP8 GEMM needs k % 16 == 0, got k=" + k);
        if (version < 1 || version > 3) throw new CudaException(l.device + ": FP8 GEMM has versions 1, 2 and 3, not " + version);
        long q = scratch.get("fp8.x", (long) T * k);
        long sx = scratch.get("fp8.sx", (long) T * 4);
        quantize(q, sx, x, xBf16, T, k);
        if (version == 3 && T == 1 && (q & 15) == 0 && (w & 15) == 0) {
            Kernel kern = gemv[accumulate ? 2 : outBf16 ? 0 : 1];
            l.launch(kern, (n + 7) / 8, 1, 1, 256, 0).ptr(out).ptr(q).ptr(sx).ptr(w).ptr(wScale).i(n).i(k).go();
            return;
        }
        if (version >= 2 && !outerVecRefused) {
            int status = cublas.gemmFp8(l.streamAddress, T, n, k, w, wScale, q, sx, out, outBf16, accumulate, true);
            if (status == 0) return;
            outerVecRefused = true;
            LOG.log(System.Logger.Level.WARNING, l.device + ": cuBLASLt refuses outer-vector FP8 scales ("
                    + Cublas.statusName(status) + " at T=" + T + " n=" + n + " k=" + k + "); FP8 GEMMs run unscaled plus"
                    + " the fp8_scale epilogue (version 1) from now on");
        }
        long acc = scratch.get("fp8.acc", (long) T * n * 4);
        cublas.gemmFp8(l.streamAddress, T, n, k, w, wScale, q, sx, acc, false, false, false);
        Kernel kern = scale[outBf16 ? 1 : 0];
        long total = (long) T * n;
        l.launch(kern, l.blocks(total, 256, kern), 1, 1, 256, 0).ptr(out).ptr(acc).ptr(sx).ptr(wScale).i(T).i(n)
                .i(accumulate ? 1 : 0).go();
    }

    /** Whether version 2 was refused on this device (tests report which version really ran). */
    boolean outerVecRefused() {
        return outerVecRefused;
    }
}
