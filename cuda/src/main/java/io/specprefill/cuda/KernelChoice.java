package io.specprefill.cuda;

/**
 * Which kernels serve attention, as system properties set them (the README lists them) and as tests
 * change them on a live backend (they run every version and path against the CPU twin):
 * <ul>
 *   <li>{@code specprefill.cuda.attention} = {@code auto} (default: cuDNN's fused attention for fresh
 *       BF16 prefills when cuDNN 9 loads, else our kernels, said once in the log), {@code cudnn}
 *       (required: the backend fails to open without it) or {@code kernels} (ours only);</li>
 *   <li>{@code specprefill.cudnn.plans} = {@code cost} (default: a prefill shape gets a cuDNN plan
 *       once cuDNN's savings on it pay for the plan's build, see CudnnPlanPolicy; until then our
 *       kernel serves it) or {@code always} (every shape builds its plan on first use);</li>
 *   <li>{@code specprefill.cudnn.dynamicShapes} (false): cuDNN attention plans as dynamic-shape graphs
 *       sharing a kernel cache, meant to spare a new prompt length its own kernel compile; measured
 *       with cuDNN 9.19 on an H200 it does not (a new length still costs 39-50 ms), so it is off;</li>
 *   <li>{@code specprefill.cuda.prefillVersion} (3) and {@code specprefill.cuda.decodeVersion} (5):
 *       attention_prefill and attention_decode versions (decode v5 where its shapes allow, else v2,
 *       else v1).</li>
 *   <li>{@code specprefill.cuda.fp8GemmVersion} (3): FP8 GEMMs with cuBLASLt's outer-vector scaling
 *       (2) or unscaled plus our fp8_scale epilogue (1); 2 falls back to 1 where cuBLASLt refuses it;
 *       3 (the default) is 2 with single rows (decode at batch 1) by our fp8_gemv_v1: 8B FP8 decode
 *       over a 32K cache 7.05 -> 5.98 ms a token, 70B 42.2 -> 29.8 ms (H200, 2026-11-30).</li>
 *   <li>{@code specprefill.cuda.gemvVersion} (3): BF16 GEMMs of a single row (decode at batch 1) with
 *       k &lt;= 4096 by our gemv_v3 (gemv.cu), with SwiGLU and RoPE plus the cache write fused in; 0
 *       sends every BF16 GEMM to cuBLAS and runs those ops apart.</li>
 * </ul>
 */
final class KernelChoice {
    /** Which attention kernel serves a step: AUTO picks by the batch (tests force one). */
    enum Path { AUTO, PREFILL, DECODE }

    Path path;
    /** Use cuDNN for fresh prefills when it is loaded. */
    boolean cudnn;
    /** When a prefill shape without a cuDNN plan gets one (CudnnPlanPolicy). */
    CudnnPlanPolicy.Mode cudnnPlans;
    /** cuDNN attention plans of new prompt lengths reuse one compiled kernel (dynamic shapes, kernel cache). */
    boolean cudnnDynamicShapes;
    int prefillVersion;
    int decodeVersion;
    /** Capture decode steps as CUDA graphs and replay them (Backend.replay). */
    boolean graphs;
    int fp8GemmVersion;
    /** 3: single-row BF16 GEMMs (k <= 4096) by gemv_v3, fused epilogues; 0: cuBLAS at every T. */
    int gemvVersion;

    KernelChoice() {
        reset();
    }

    /** Back to the configured defaults. */
    void reset() {
        path = Path.AUTO;
        cudnn = !"kernels".equals(attentionSetting());
        cudnnPlans = CudnnPlanPolicy.configured();
        cudnnDynamicShapes = "true".equals(System.getProperty("specprefill.cudnn.dynamicShapes", "false"));
        prefillVersion = Integer.getInteger("specprefill.cuda.prefillVersion", 3);
        decodeVersion = Integer.getInteger("specprefill.cuda.decodeVersion", 5);
        graphs = !"false".equals(System.getProperty("specprefill.cuda.graphs", "true"));
        fp8GemmVersion = Integer.getInteger("specprefill.cuda.fp8GemmVersion", 3);
        gemvVersion = Integer.getInteger("specprefill.cuda.gemvVersion", 3);
    }

    /** specprefill.cuda.attention, checked. */
    static String attentionSetting() {
        String v = System.getProperty("specprefill.cuda.attention", "auto");
        if (!v.equals("auto") && !v.equals("cudnn") && !v.equals("kernels")) {
            throw new CudaException("system property specprefill.cuda.attention=" + v + ": expected auto, cudnn or kernels");
        }
        return v;
    }
}
