package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Batch;
import io.specprefill.udf.llama.LlamaForward;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.LlamaConfig;

import java.util.Arrays;

/**
 * FP8 against BF16 (issue 14), the rows of BENCHMARKS.md's "FP8" tables:
 * <ul>
 *   <li>{@link #gemms}: GEMMs at 8B/70B prefill and decode shapes, cuBLAS BF16 against the W8A8 GEMM
 *       (quantize_fp8 + cuBLASLt FP8) in versions 1 and 2, and at T = 1 version 3 (fp8_gemv_v1), each
 *       graph-replayed (a graph per version), L2 flushed;</li>
 *   <li>{@link #forward}: synthetic Llama-3.1-8B, BF16 and FP8 projections: full prefill at each length
 *       (1 warm-up, median of 3) and decode ms per token over the longest length (graph); with {@code big}
 *       the 70B shape instead, FP8 only (its BF16 weights, 141 GB, do not fit one H200), and its
 *       speculative-prefill TTFT behind a BF16 1B draft.</li>
 * </ul>
 * Run: ForwardBench LENGTHS fp8 | ForwardBench LENGTHS fp8-70b | KernelBench DEVICE fp8.
 */
final class Fp8Bench {
    private Fp8Bench() {
    }

    static void gemms(CudaBackend b) {
        // {T, n, k, add}: 8B qkv, wo, w13, w2 at T = 4096 and 1; 70B's w13 and w2 at 4096.
        int[][] shapes = {{4096, 6144, 4096, 0}, {4096, 4096, 4096, 1}, {4096, 28672, 4096, 0}, {4096, 4096, 14336, 1},
                {4096, 57344, 8192, 0}, {4096, 8192, 28672, 1}, {1, 6144, 4096, 0}, {1, 28672, 4096, 0},
                {1, 4096, 14336, 1}, {32, 28672, 4096, 0}};
        long seed = 1;
        for (int[] s : shapes) {
            int T = s[0], n = s[1], k = s[2];
            boolean add = s[3] == 1;
            try (Backend.Weight w16 = SyntheticLlama.randomWeight(b, n, k, seed++, 0.03f, "w");
                 Backend.Weight w8 = SyntheticLlama.randomFp8Weight(b, n, k, seed++, 0.03f, "w8");
                 Backend.Tensor x = b.narrowTensor((long) T * k);
                 Backend.Tensor o = add ? b.tensor((long) T * n) : b.narrowTensor((long) T * n)) {
                SyntheticLlama.fillBf16(b, ((Handles.Tensor) x).at(0), (long) T * k, seed++, 1f);
                String shape = "T=" + T + " n=" + n + " k=" + k;
                double flops = 2.0 * T * n * k;
                String op = add ? "matmulAdd" : "matmul";
                Runnable r16 = add ? () -> b.matmulAdd(o, x, w16, T, n, k) : () -> b.matmul(o, x, w16, T, n, k);
                Runnable r8 = add ? () -> b.matmulAdd(o, x, w8, T, n, k) : () -> b.matmul(o, x, w8, T, n, k);
                double out = (add ? 8.0 : 2.0) * T * n;
                BenchSupport.row(op, shape, "cublasGemmEx BF16", BenchSupport.timeMsCold(b, 3, 10, () -> b.replay(r16, r16)),
                        2.0 * n * k + 2.0 * T * k + out, flops);
                for (int v : T == 1 ? new int[]{2, 1, 3} : new int[]{2, 1}) {   // 3 differs from 2 only at T = 1
                    b.choice.fp8GemmVersion = v;
                    Object graph = new Object();   // each version its own captured graph
                    double ms = BenchSupport.timeMsCold(b, 3, 10, () -> b.replay(graph, r8));
                    String name = "fp8 v" + v + (v == 2 && b.fp8().outerVecRefused() ? " (refused: v1)" : "")
                            + (v == 3 ? " (fp8_gemv_v1)" : "") + " + quantize";
                    BenchSupport.row(op, shape, name, ms, 1.0 * n * k + 2.0 * T * k + out, flops);
                }
                b.choice.reset();
            }
        }
        System.out.println("# FP8 rows: % of ceiling is against the BF16 ceiling; FP8 tensor cores peak at 2x it (dense).");
    }

    static void forward(CudaBackend b, int[] lengths, boolean big) {
        int max = Arrays.stream(lengths).max().getAsInt();
        String[] models = big ? new String[]{"llama-3.1-70b"} : new String[]{"llama-3.1-8b"};
        for (String name : models) {
            LlamaConfig c = SyntheticLlama.config(name);
            for (boolean fp8 : big ? new boolean[]{true} : new boolean[]{false, true}) {
                String label = name.substring("llama-".length()) + (fp8 ? " fp8" : " bf16");
                System.out.printf("# %s: %.1f GB of weights%n", label, SyntheticLlama.weightBytes(c, fp8) / 1e9);
                try (LlamaModel m = SyntheticLlama.build(b, c, 2, fp8); LlamaForward f = new LlamaForward(m);
                     Backend.KvCache cache = f.newCache(1, max + 40)) {
                    for (int n : lengths) {
                        int[] tok = BenchSupport.randomTokens(n, c.vocabSize(), n);
                        double ms = BenchSupport.wallMs(1, 3, () -> f.prefill(cache, Batch.of(tok)).argmax(0));
                        BenchSupport.modelRow(label, "full prefill N=" + n, ms, n / ms * 1e3);
                    }
                    double step = ForwardBench.decode(f, cache, max, 1);
                    BenchSupport.modelRow(label, "decode per token, cache " + max + ", graph", step, 1e3 / step);
                    if (fp8) {   // the decode rows by fp8_gemv_v1 (version 3); a new forward, so a new graph
                        b.choice.fp8GemmVersion = 3;
                        try (LlamaForward g = new LlamaForward(m)) {
                            double s3 = ForwardBench.decode(g, cache, max, 1);
                            BenchSupport.modelRow(label, "decode per token, cache " + max + ", fp8_gemv_v1", s3, 1e3 / s3);
                        }
                        b.choice.reset();
                    }
                    if (big) {
                        // The paper's setting on one card: the FP8 70B target behind a BF16 1B draft.
                        try (LlamaModel draft = SyntheticLlama.build(b, SyntheticLlama.config("llama-3.2-1b"), 1)) {
                            ForwardBench.specPrefill(draft, m, max, "1b -> 70b fp8");
                        }
                    }
                }
            }
        }
    }
}
