package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.SeqBatch;

/**
 * Times every GPU op at Llama-3.1-8B / 3.2-1B shapes on random inputs and prints one table row per
 * (op, shape, version). Bytes count each input read once and each output written once; FLOPs count
 * 2 per multiply-add (causal attention: half the N x N score matrix).
 * Run: java -cp ... io.specprefill.cuda.KernelBench [device]
 */
public final class KernelBench {
    private final CudaBackend b;
    private final Kernels k;
    private long seed = 1;

    private KernelBench(CudaBackend b) {
        this.b = b;
        this.k = b.kernels();
    }

    public static void main(String[] args) {
        try (CudaBackend b = CudaBackend.open(args.length > 0 ? Integer.parseInt(args[0]) : 0)) {
            BenchSupport.header(b, "KernelBench");
            BenchSupport.tableHeader();
            KernelBench kb = new KernelBench(b);
            kb.gemms();
            kb.elementwise(32768, 4096, 14336);
            kb.attention(32, 8, 128, 8192);
            kb.attention(32, 8, 128, 32768);
            kb.attention(32, 8, 64, 32768);
            kb.importance(16, 32, 8, 64, 32768, 8);
        }
    }

    private Backend.Tensor random(long n, float scale) {
        Backend.Tensor t = b.tensor(n);
        k.fillUniformF32(((Handles.Tensor) t).at(0), n, seed++, scale);
        return t;
    }

    private void gemms() {
        int[][] shapes = {{4096, 6144, 4096}, {4096, 4096, 4096}, {4096, 28672, 4096}, {4096, 4096, 14336},
                {1, 6144, 4096}, {1, 28672, 4096}, {1, 4096, 14336}, {1, 128256, 4096}, {8192, 8192, 8192}};
        for (int[] s : shapes) {
            int T = s[0], n = s[1], kk = s[2];
            try (Backend.Weight w = b.randomWeight(n, kk, seed++, 0.03f, "w"); Backend.Tensor x = random((long) T * kk, 1f);
                 Backend.Tensor o = b.tensor((long) T * n)) {
                String shape = "T=" + T + " n=" + n + " k=" + kk;
                double flops = 2.0 * T * n * kk;
                double bytes = 2.0 * n * kk + 4.0 * T * kk + 4.0 * T * n;
                double ms = BenchSupport.timeMs(b, 3, 10, () -> b.matmul(o, x, w, T, n, kk));
                BenchSupport.row("matmul", shape, "to_bf16+cublasGemmEx", ms, bytes, flops);
                long xb = b.scratch().get("matmul.x", (long) T * kk * 2);
                Handles.Tensor xt = (Handles.Tensor) x;
                double cast = BenchSupport.timeMs(b, 3, 10, () -> k.toBf16(xb, xt.at(0), (long) T * kk));
                BenchSupport.row("  of which to_bf16", shape, "to_bf16_v1", cast, 6.0 * T * kk, 0);
            }
        }
    }

    private void elementwise(int T, int dim, int hidden) {
        try (Backend.Tensor x = random((long) T * dim, 2f); Backend.Tensor y = random((long) T * dim, 2f);
             Backend.Tensor gu = random(2L * T * hidden, 4f); Backend.Tensor h = b.tensor((long) T * hidden);
             Backend.Weight w = b.constantVector(dim, 1f, "norm")) {
            String s = "T=" + T + " dim=" + dim;
            BenchSupport.row("rmsnorm", s, "rmsnorm_v1",
                    BenchSupport.timeMs(b, 3, 20, () -> b.rmsnorm(y, x, w, T, dim, 1e-5f)), 8.0 * T * dim, 0);
            BenchSupport.row("add", s, "add_v1",
                    BenchSupport.timeMs(b, 3, 20, () -> b.add(x, y, (long) T * dim)), 12.0 * T * dim, 0);
            BenchSupport.row("swiglu", "T=" + T + " hidden=" + hidden, "swiglu_v1",
                    BenchSupport.timeMs(b, 3, 20, () -> b.swiglu(h, gu, T, hidden)), 12.0 * T * hidden, 0);
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

    private void attention(int H, int G, int D, int N) {
        int stride = (H + 2 * G) * D;
        try (Backend.KvCache cache = b.kvCache(1, 1, N + 1, G, D); Backend.Tensor qkv = random((long) N * stride, 1f);
             Backend.Tensor out = b.tensor((long) N * H * D); Backend.Tensor poison = random((long) N * stride, 1f)) {
            SeqBatch prefill = oneSequence(N, 0);
            b.kvWrite(cache, 0, qkv, prefill, H);
            String shape = "H=" + H + " G=" + G + " D=" + D + " N=" + N;
            b.attentionPath = CudaBackend.AttentionPath.PREFILL;
            for (int v = 2; v <= 3; v++) {
                b.prefillVersion = v;
                double ms = BenchSupport.timeMs(b, 2, 5, () -> b.attention(out, qkv, cache, 0, prefill, H));
                BenchSupport.row("attention prefill", shape, "attention_prefill_v" + v, ms, 0, 4.0 * H * D * N * (N + 1) / 2.0);
            }
            b.resetKernelChoice();
            SeqBatch decode = oneSequence(1, N);
            b.kvWrite(cache, 0, qkv, decode, H);
            for (int v = 1; v <= 2; v++) {
                b.decodeVersion = v;
                double dm = BenchSupport.timeMs(b, 5, 50, () -> b.attention(out, qkv, cache, 0, decode, H));
                BenchSupport.row("attention decode", shape + " T=1", "attention_decode_v" + v, dm, 4.0 * (N + 1) * G * D, 0);
            }
            b.resetKernelChoice();
            BenchSupport.row("rope", "T=" + N + " " + shape, "rope_v1", BenchSupport.timeMs(b, 2, 10,
                    () -> b.rope(poison, prefill.slot(), qkv, N, H, G, D)), 8.0 * N * (H + G) * D, 0);
            BenchSupport.row("kv_write", "T=" + N + " " + shape, "kv_write_v1", BenchSupport.timeMs(b, 2, 10,
                    () -> b.kvWrite(cache, 0, qkv, prefill, H)), 8.0 * N * G * D, 0);
        }
    }

    private void importance(int L, int H, int G, int D, int n, int A) {
        try (Backend.KvCache cache = b.kvCache(L, 1, n, G, D); Backend.Tensor q = random((long) L * A * H * D, 1f);
             Backend.Tensor out = b.tensor(n)) {
            Handles.KvCache c = (Handles.KvCache) cache;
            k.fillUniformBf16(c.k.address, c.k.bytes / 2, seed++, 1f);
            double ms = BenchSupport.timeMs(b, 2, 10, () -> b.importance(out, 0, q, cache, 0, n, A, A, 13, H));
            double bytes = (double) L * n * G * D * 2 + 3.0 * L * H * A * n * 4;
            BenchSupport.row("importance", "L=" + L + " H=" + H + " G=" + G + " D=" + D + " n=" + n + " A=" + A,
                    "importance_*_v1", ms, bytes, 2.0 * L * H * A * n * D);
        }
    }
}
