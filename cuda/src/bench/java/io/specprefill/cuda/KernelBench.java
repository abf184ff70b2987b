package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.SeqBatch;

/**
 * Times the GPU ops at Llama-3.1-8B / 3.2-1B shapes on random inputs, every live version and path side
 * by side, and prints one table row per (op, shape, version). Activations are BF16 (narrow tensors)
 * as in the forward pass, the residual float32. Bytes count each input read once and each output
 * written once; FLOPs count 2 per multiply-add (causal attention: half the N x N score matrix).
 * Bandwidth-bound rows flush L2 before each timed run. The ceilings are measured first, on the card.
 * Run: java -cp ... io.specprefill.cuda.KernelBench [device [attention|gemm|fp8|small]] (attention: only
 * the attention rows; gemm: only the BF16 GEMMs; fp8: only the GEMMs, BF16 against FP8 versions 1 and
 * 2, and 3 at one row, see {@link Fp8Bench}; small: only the ops a step runs once or that only some
 * models use: bias add, per-head rmsnorm, row gather, FP8 quantisation, top-p sampling)
 */
public final class KernelBench {
    private final CudaBackend b;
    private long seed = 1;

    private KernelBench(CudaBackend b) {
        this.b = b;
    }

    public static void main(String[] args) {
        BenchSupport.steadyStatePlans();
        try (CudaBackend b = CudaBackend.open(args.length > 0 ? Integer.parseInt(args[0]) : 0)) {
            BenchSupport.header(b, "KernelBench");
            BenchSupport.measureCeilings(b);
            BenchSupport.tableHeader();
            KernelBench kb = new KernelBench(b);
            if (args.length > 1 && args[1].equals("fp8")) {
                Fp8Bench.gemms(b);
                return;
            }
            if (args.length > 1 && args[1].equals("gemm")) {
                kb.gemms();
                return;
            }
            if (args.length > 1 && args[1].equals("small")) {
                kb.smallOps();
                return;
            }
            boolean all = args.length < 2 || !args[1].equals("attention");
            if (all) {
                kb.gemms();
                kb.elementwise(32768, 4096, 14336, 32, 8, 128);
                kb.smallOps();
            }
            for (int[] s : new int[][]{{128, 8192}, {128, 32768}, {64, 8192}, {64, 32768}}) kb.attention(32, 8, s[0], s[1]);
            kb.cudnnPlanCost(32, 8, 128);
            if (all) kb.importance(16, 32, 8, 64, 32768, 8);
        }
    }

    private Backend.Tensor narrowRandom(long n, float scale) {
        Backend.Tensor t = b.narrowTensor(n);
        SyntheticLlama.fillBf16(b, ((Handles.Tensor) t).at(0), n, seed++, scale);
        return t;
    }

    private Backend.Tensor random(long n, float scale) {
        Backend.Tensor t = b.tensor(n);
        SyntheticLlama.fillUniformF32(b, ((Handles.Tensor) t).at(0), n, seed++, scale);
        return t;
    }

    /**
     * GEMMs (cuBLAS, BF16 in and out, or += into the float32 residual), prefill and decode shapes, and
     * gemv_v3 beside cuBLAS on the single rows it serves; graph-replayed, L2 flushed.
     */
    private void gemms() {
        // {T, n, k, add}: 8B qkv, wo, w13, w2 at T = 4096; 1B's at 4096; then decode rows.
        int[][] shapes = {{4096, 6144, 4096, 0}, {4096, 4096, 4096, 1}, {4096, 28672, 4096, 0}, {4096, 4096, 14336, 1},
                {4096, 3072, 2048, 0}, {4096, 16384, 2048, 0}, {4096, 2048, 8192, 1},
                {1, 6144, 4096, 0}, {1, 4096, 4096, 1}, {1, 28672, 4096, 0}, {1, 4096, 14336, 1}, {1, 128256, 4096, 0},
                {1, 3072, 2048, 0}, {1, 2048, 2048, 1}, {1, 16384, 2048, 0}, {1, 128256, 2048, 0},
                {8, 28672, 4096, 0}, {32, 28672, 4096, 0}};
        for (int[] s : shapes) {
            int T = s[0], n = s[1], kk = s[2];
            boolean add = s[3] == 1;
            try (Backend.Weight w = SyntheticLlama.randomWeight(b, n, kk, seed++, 0.03f, "w");
                 Backend.Tensor x = narrowRandom((long) T * kk, 1f);
                 Backend.Tensor o = add ? random((long) T * n, 1f) : b.narrowTensor((long) T * n)) {
                String shape = "T=" + T + " n=" + n + " k=" + kk;
                double flops = 2.0 * T * n * kk;
                double bytes = 2.0 * n * kk + 2.0 * T * kk + (add ? 8.0 : 2.0) * T * n;
                String op = add ? "matmulAdd" : "matmul";
                Runnable run = add ? () -> b.matmulAdd(o, x, w, T, n, kk) : () -> b.matmul(o, x, w, T, n, kk);
                b.choice.gemvVersion = 0;
                BenchSupport.row(op, shape, "cublasGemmEx", BenchSupport.timeMsCold(b, 3, 10, () -> b.replay(run, run)),
                        bytes, flops);
                if (Kernels.gemvServes(T, kk)) {   // a decode row: our GEMV beside cuBLAS
                    b.choice.gemvVersion = 3;
                    BenchSupport.row(op, shape, "gemv_v3", BenchSupport.timeMsCold(b, 3, 10, () -> b.replay(run, run)),
                            bytes, flops);
                }
                b.choice.reset();
            }
        }
    }

    private void elementwise(int T, int dim, int hidden, int H, int G, int D) {
        try (Backend.Tensor x = random((long) T * dim, 2f); Backend.Tensor xb = b.narrowTensor((long) T * dim);
             Backend.Tensor gu = narrowRandom(2L * T * hidden, 4f); Backend.Tensor h = b.narrowTensor((long) T * hidden);
             Backend.Weight w = SyntheticLlama.constantVector(b, dim, 1f, "norm")) {
            String s = "T=" + T + " dim=" + dim;
            Runnable norm = () -> b.rmsnorm(xb, x, w, T, dim, 1e-5f), act = () -> b.swiglu(h, gu, T, hidden);
            BenchSupport.row("rmsnorm", s, "rmsnorm_v2_bf16",
                    BenchSupport.timeMsCold(b, 3, 20, () -> b.replay(norm, norm)), 6.0 * T * dim, 0);
            BenchSupport.row("swiglu", "T=" + T + " hidden=" + hidden, "swiglu_v2_bf16",
                    BenchSupport.timeMsCold(b, 3, 20, () -> b.replay(act, act)), 6.0 * T * hidden, 0);
        }
        int stride = (H + 2 * G) * D;
        try (Backend.Tensor qkv = narrowRandom((long) T * stride, 1f); Backend.Tensor freq = random(D / 2, 0.5f);
             Backend.KvCache cache = b.kvCache(1, 1, T, G, D)) {
            SeqBatch rows = oneSequence(T, 0);
            String s = "T=" + T + " H=" + H + " G=" + G + " D=" + D;
            Runnable rope = () -> b.rope(qkv, rows.slot(), freq, T, H, G, D), kv = () -> b.kvWrite(cache, 0, qkv, rows, H);
            BenchSupport.row("rope", s, "rope_v2_bf16", BenchSupport.timeMsCold(b, 3, 10, () -> b.replay(rope, rope)),
                    4.0 * T * (H + G) * D, 0);
            BenchSupport.row("kv_write", s, "kv_write_v2_bf16", BenchSupport.timeMsCold(b, 3, 10, () -> b.replay(kv, kv)),
                    8.0 * T * G * D, 0);
        }
    }

    /**
     * The ops a step runs once, or that only some models use, at the shapes where they run: Qwen2's
     * qkv bias (7B: 28 + 2 * 4 heads of 128) and Qwen3's per-head q/k norm (8B: 32 + 8 heads) over a
     * 4K prefill, the row gather (the kept rows of a 32K prompt, 10%), FP8 activation quantisation
     * (a 4K prefill's rows, and one decode row of the down projection), top-p sampling over Llama 3's
     * vocabulary (its timing includes the upload of the rows' parameters, as in a step).
     */
    private void smallOps() {
        int T = 4096, D = 128;
        int n = (28 + 2 * 4) * D;
        try (Backend.Tensor x = narrowRandom((long) T * n, 1f);
             Backend.Weight bias = SyntheticLlama.constantVector(b, n, 0.5f, "bias")) {
            Runnable run = () -> b.addBias(x, bias, T, n);
            BenchSupport.row("addBias", "T=" + T + " n=" + n, "add_bias_v1_bf16",
                    BenchSupport.timeMsCold(b, 3, 20, () -> b.replay(run, run)), 4.0 * T * n, 0);
        }
        int H = 32, G = 8, stride = (H + 2 * G) * D;
        try (Backend.Tensor x = narrowRandom((long) T * stride, 1f);
             Backend.Weight w = SyntheticLlama.constantVector(b, D, 1f, "qk norm")) {
            Runnable run = () -> b.rmsnormHeads(x, w, T, stride, 0, H + G, D, 1e-6f);
            BenchSupport.row("rmsnormHeads", "T=" + T + " heads=" + (H + G) + " D=" + D, "rmsnorm_heads_v1_bf16",
                    BenchSupport.timeMsCold(b, 3, 20, () -> b.replay(run, run)), 4.0 * T * (H + G) * D, 0);
        }
        int N = 32768, R = 3328, width = 4096;
        int[] picked = new int[R];
        java.util.Random rnd = new java.util.Random(5);
        for (int r = 0; r < R; r++) picked[r] = rnd.nextInt(N);
        try (Backend.Tensor src = narrowRandom((long) N * width, 1f); Backend.Tensor dst = b.tensor((long) R * width);
             Backend.Ints rows = b.ints(R)) {
            b.write(rows, picked, R);
            Runnable run = () -> b.gatherRows(dst, 0, src, rows, R, width, 0, width);
            BenchSupport.row("gatherRows", "R=" + R + " of " + N + " width=" + width, "gather_rows_v1_bf16",
                    BenchSupport.timeMsCold(b, 3, 20, () -> b.replay(run, run)), 6.0 * R * width, 0);
        }
        for (int[] s : new int[][]{{T, 4096}, {1, 14336}}) {
            int rowsQ = s[0], k = s[1];
            try (Backend.Tensor x = narrowRandom((long) rowsQ * k, 2f);
                 DeviceMemory q = DeviceMemory.allocate((long) rowsQ * k, "fp8 codes", b.name());
                 DeviceMemory sc = DeviceMemory.allocate(4L * rowsQ, "fp8 scales", b.name())) {
                long xa = ((Handles.Tensor) x).at(0);
                Runnable run = () -> b.fp8().quantize(q.address, sc.address, xa, true, rowsQ, k);
                BenchSupport.row("quantize fp8", "T=" + rowsQ + " k=" + k, "quantize_fp8_v1_bf16",
                        BenchSupport.timeMsCold(b, 3, 20, () -> b.replay(run, run)), 3.0 * rowsQ * k + 4.0 * rowsQ, 0);
            }
        }
        int vocab = 128256;
        for (int rowsS : new int[]{1, 32}) {
            float[] temperature = new float[rowsS], topP = new float[rowsS], uniforms = new float[rowsS];
            java.util.Arrays.fill(temperature, 0.7f);
            java.util.Arrays.fill(topP, 0.9f);
            java.util.Arrays.fill(uniforms, 0.42f);
            try (Backend.Tensor logits = random((long) rowsS * vocab, 8f); Backend.Ints out = b.ints(rowsS)) {
                Runnable run = () -> b.sampleTopP(out, logits, rowsS, vocab, temperature, topP, uniforms);
                BenchSupport.row("sampleTopP", "R=" + rowsS + " vocab=" + vocab, "sample_top_p_v1",
                        BenchSupport.timeMsCold(b, 3, 20, run), 4.0 * rowsS * vocab, 0);
            }
        }
    }

    private SeqBatch oneSequence(int T, int firstSlot) {
        int[] seq = new int[T], slot = new int[T];
        for (int t = 0; t < T; t++) slot[t] = firstSlot + t;
        Backend.Ints s = b.ints(T), l = b.ints(T);
        b.write(s, seq, T);
        b.write(l, slot, T);
        return new SeqBatch(1, T, new int[]{0, T}, new int[]{0}, seq, slot, s, l);
    }

    /** Prefill: cuDNN's fused attention against ours (v3, v2); decode: v5, v2 over the N cached keys. */
    private void attention(int H, int G, int D, int N) {
        int stride = (H + 2 * G) * D;
        try (Backend.KvCache cache = b.kvCache(1, 1, N + 1, G, D); Backend.Tensor qkv = narrowRandom((long) N * stride, 1f);
             Backend.Tensor out = b.narrowTensor((long) N * H * D)) {
            SeqBatch prefill = oneSequence(N, 0);
            b.kvWrite(cache, 0, qkv, prefill, H);
            String shape = "H=" + H + " G=" + G + " D=" + D + " N=" + N;
            double flops = 4.0 * H * D * N * (N + 1) / 2.0;
            Runnable call = () -> b.attention(out, qkv, cache, 0, prefill, H);
            if (b.usesCudnn()) {   // 5 calls back to back per timing: host work overlaps the previous call, as in a forward pass
                BenchSupport.row("attention prefill", shape, "cudnn_sdpa_fused", BenchSupport.timeMs(b, 2, 10, 5, call),
                        0, flops);
            }
            b.choice.cudnn = false;
            b.choice.path = KernelChoice.Path.PREFILL;
            for (int v = 3; v >= 2; v--) {
                b.choice.prefillVersion = v;
                BenchSupport.row("attention prefill", shape, "attention_prefill_v" + v, BenchSupport.timeMs(b, 2, 5, 3, call),
                        0, flops);
            }
            b.choice.reset();
            SeqBatch decode = oneSequence(1, N);
            b.kvWrite(cache, 0, qkv, decode, H);
            for (int v : new int[]{5, 2}) {   // graph-replayed, L2 flushed: one decode step's attention
                b.choice.decodeVersion = v;
                Runnable step = () -> b.attention(out, qkv, cache, 0, decode, H);
                double dm = BenchSupport.timeMsCold(b, 3, 30, () -> b.replay(step, step));
                BenchSupport.row("attention decode", shape + " T=1", "attention_decode_v" + v, dm, 4.0 * (N + 1) * G * D, 0);
            }
            b.choice.reset();
        }
    }

    /**
     * What a new prompt length costs cuDNN: building the plan (first call) against a cached-plan call;
     * static plans (a kernel compiled per length) and then dynamic-shape plans (one kernel per topology,
     * specprefill.cudnn.dynamicShapes), each on lengths the other has not seen.
     */
    private void cudnnPlanCost(int H, int G, int D) {
        if (!b.usesCudnn()) return;
        for (int N : new int[]{4093, 16411}) cudnnPlanCost(H, G, D, N, "");
        b.choice.cudnnDynamicShapes = true;
        for (int N : new int[]{4099, 8191, 16417}) cudnnPlanCost(H, G, D, N, ", dynamic shapes");
        if (b.cudnn().dynamicRefused() != null) System.out.println("# cuDNN refused dynamic shapes: " + b.cudnn().dynamicRefused());
        b.choice.reset();
    }

    private void cudnnPlanCost(int H, int G, int D, int N, String how) {
        int stride = (H + 2 * G) * D;
        try (Backend.KvCache cache = b.kvCache(1, 1, N, G, D); Backend.Tensor qkv = narrowRandom((long) N * stride, 1f);
             Backend.Tensor out = b.narrowTensor((long) N * H * D)) {
            SeqBatch prefill = oneSequence(N, 0);
            b.kvWrite(cache, 0, qkv, prefill, H);
            b.synchronize();
            long t0 = System.nanoTime();
            b.attention(out, qkv, cache, 0, prefill, H);
            b.synchronize();
            double first = (System.nanoTime() - t0) / 1e6;
            double warm = BenchSupport.wallMs(1, 5, () -> {
                b.attention(out, qkv, cache, 0, prefill, H);
                b.synchronize();
            });
            String shape = "H=" + H + " G=" + G + " D=" + D + " N=" + N;
            BenchSupport.row("cudnn new length", shape, "plan + run (wall)" + how, first, 0, 0);
            BenchSupport.row("cudnn same length", shape, "run (wall)" + how, warm, 0, 0);
        }
    }

    private void importance(int L, int H, int G, int D, int n, int A) {
        try (Backend.KvCache cache = b.kvCache(L, 1, n, G, D); Backend.Tensor q = random((long) L * A * H * D, 1f);
             Backend.Tensor out = b.tensor(n)) {
            Handles.KvCache c = (Handles.KvCache) cache;
            SyntheticLlama.fillBf16(b, c.k.address, c.k.bytes / 2, seed++, 1f);
            double ms = BenchSupport.timeMs(b, 2, 10, () -> b.importance(out, 0, q, cache, 0, n, A, A, 13, H));
            double bytes = (double) L * n * G * D * 2 + 3.0 * L * H * A * n * 4;
            BenchSupport.row("importance", "L=" + L + " H=" + H + " G=" + G + " D=" + D + " n=" + n + " A=" + A,
                    "importance_*_v1", ms, bytes, 2.0 * L * H * A * n * D);
        }
    }
}
