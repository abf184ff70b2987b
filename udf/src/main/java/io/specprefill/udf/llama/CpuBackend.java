package io.specprefill.udf.llama;

import io.specprefill.udf.llama.CpuHandles.CpuInts;
import io.specprefill.udf.llama.CpuHandles.CpuTensor;
import io.specprefill.udf.llama.CpuHandles.CpuWeight;
import io.specprefill.udf.model.Fp8Matrix;
import io.specprefill.udf.model.HostTensor;

import java.util.Arrays;

/**
 * The reference {@link Backend}: float32 on the Java heap, every op spread over {@link Parallel}'s
 * pool. Weights are widened to float32 once at upload (BF16 and F16 exactly). The heavy ops live
 * in {@link CpuMatmul} (the GEMM) and {@link CpuAttention} (attention, importance), the handles in
 * {@link CpuHandles} and the per-row norms and biases in {@link CpuRowOps}; this class holds the
 * memory ops, the cheap element-wise ops and the shape checks.
 *
 * <p>Thread-safe: it holds no mutable state besides per-thread scratch, so several forward passes
 * (each with its own RunState and KV cache) may share one instance and its weights.
 */
public final class CpuBackend implements Backend {

    /** Rows per parallel item in the element-wise ops: small ops stay on the calling thread. */
    private static final int ROWS_PER_TASK_MIN_ELEMS = 1 << 14;

    @Override
    public String name() {
        return "cpu";
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Weight weight(HostTensor... rowBlocks) {
        if (rowBlocks.length == 0) throw new IllegalArgumentException("weight: no tensors given");
        long cols = cols(rowBlocks[0]);
        long rows = 0;
        for (HostTensor t : rowBlocks) {
            if (cols(t) != cols) {
                throw new IllegalArgumentException("weight: cannot stack " + t + " under " + rowBlocks[0]
                        + ": " + cols(t) + " columns, expected " + cols);
            }
            rows += t.numel() / cols;
        }
        float[] data = new float[checkedSize(rows * cols, "weight " + Arrays.toString(rowBlocks))];
        long offset = 0;
        for (HostTensor t : rowBlocks) {
            widen(t, data, (int) offset);
            offset += t.numel();
        }
        return new CpuWeight(data, (int) rows, (int) cols);
    }

    /** E4M3 codes decoded to float32 (exact) plus row scales; matmul on it is {@link CpuFp8}'s W8A8 GEMM. */
    @Override
    public Weight weightFp8(Fp8Matrix... rowBlocks) {
        return CpuFp8.weight(rowBlocks);
    }

    /** Columns of a stored tensor: the last dimension ([n] vectors are one row). */
    private static long cols(HostTensor t) {
        return t.shape().length == 0 ? 1 : t.shape()[t.shape().length - 1];
    }

    /** Widens t into dst[offset..] in parallel blocks of 1M elements. */
    private static void widen(HostTensor t, float[] dst, int offset) {
        final int block = 1 << 20;
        long n = t.numel();
        int blocks = (int) ((n + block - 1) / block);
        Parallel.parallelFor(blocks, b -> {
            long from = (long) b * block;
            int count = (int) Math.min(block, n - from);
            t.toFloat(from, dst, offset + (int) from, count);
        });
    }

    @Override
    public Tensor tensor(long size) {
        return new CpuTensor(checkedSize(size, "tensor"));
    }

    @Override
    public Ints ints(int size) {
        if (size < 0) throw new IllegalArgumentException("ints: size " + size + " < 0");
        return new CpuInts(size);
    }

    @Override
    public KvCache kvCache(int layers, int batch, int capacity, int nKvHeads, int headDim) {
        return new CpuKvCache(layers, batch, capacity, nKvHeads, headDim);
    }

    @Override
    public void write(Tensor dst, long dstOffset, float[] src, int n) {
        float[] d = f(dst, "write");
        need("write", "dst", d.length, dstOffset + n);
        System.arraycopy(src, 0, d, (int) dstOffset, n);
    }

    @Override
    public void write(Ints dst, int[] src, int n) {
        int[] d = i(dst, "write");
        need("write", "dst", d.length, n);
        System.arraycopy(src, 0, d, 0, n);
    }

    @Override
    public void read(Tensor src, long srcOffset, float[] dst, int n) {
        float[] s = f(src, "read");
        need("read", "src", s.length, srcOffset + n);
        System.arraycopy(s, (int) srcOffset, dst, 0, n);
    }

    @Override
    public void read(Ints src, int[] dst, int n) {
        int[] s = i(src, "read");
        need("read", "src", s.length, n);
        System.arraycopy(s, 0, dst, 0, n);
    }

    @Override
    public void synchronize() {
        // every op has finished when it returns
    }

    // ---------------------------------------------------------------- ops

    @Override
    public void embed(Tensor out, Weight table, Ints tokens, int T, int dim) {
        float[] o = f(out, "embed");
        CpuWeight w = w(table, "embed");
        int[] tok = i(tokens, "embed");
        need("embed", "out [T, dim]", o.length, (long) T * dim);
        need("embed", "tokens", tok.length, T);
        if (w.cols != dim) throw shape("embed", "table " + w.rows + "x" + w.cols + ", dim " + dim);
        for (int t = 0; t < T; t++) {
            if (tok[t] < 0 || tok[t] >= w.rows) {
                throw new IllegalArgumentException("embed: token " + tok[t] + " at row " + t
                        + " is outside the vocabulary [0, " + w.rows + ")");
            }
            System.arraycopy(w.data, tok[t] * dim, o, t * dim, dim);
        }
    }

    @Override
    public void rmsnorm(Tensor out, Tensor x, Weight w, int T, int dim, float eps) {
        float[] o = f(out, "rmsnorm");
        float[] in = f(x, "rmsnorm");
        float[] g = w(w, "rmsnorm").data;
        need("rmsnorm", "x [T, dim]", in.length, (long) T * dim);
        need("rmsnorm", "out [T, dim]", o.length, (long) T * dim);
        need("rmsnorm", "w [dim]", g.length, dim);
        forRows(T, dim, t -> CpuRowOps.rmsnorm(o, t * dim, in, t * dim, g, dim, eps));
    }

    @Override
    public void matmul(Tensor out, Tensor x, Weight w, int T, int n, int k) {
        gemm("matmul", out, "out [T, n]", x, "x [T, k]", w, T, n, k, false);
    }

    @Override
    public void matmulAdd(Tensor x, Tensor in, Weight w, int T, int n, int k) {
        gemm("matmulAdd", x, "x [T, n]", in, "in [T, k]", w, T, n, k, true);
    }

    /** out = in @ w^T, or out += in @ w^T when {@code accumulate}; the labels name the operands in errors. */
    private void gemm(String op, Tensor out, String outLabel, Tensor in, String inLabel, Weight w,
                      int T, int n, int k, boolean accumulate) {
        CpuWeight cw = w(w, op);
        float[] o = f(out, op);
        float[] a = f(in, op);
        if (cw.rows != n || cw.cols != k) {
            throw shape(op, "w " + cw.rows + "x" + cw.cols + " for n=" + n + ", k=" + k);
        }
        need(op, inLabel, a.length, (long) T * k);
        need(op, outLabel, o.length, (long) T * n);
        if (cw.fp8()) CpuFp8.matmul(o, a, cw, T, n, k, accumulate);
        else CpuMatmul.matmul(o, a, cw.data, T, n, k, accumulate);
    }

    @Override
    public void rope(Tensor qkv, Ints positions, Tensor invFreq, int T, int nHeads, int nKvHeads, int headDim) {
        float[] a = f(qkv, "rope");
        int[] pos = i(positions, "rope");
        float[] freq = f(invFreq, "rope");
        int half = headDim / 2;
        int stride = (nHeads + 2 * nKvHeads) * headDim;
        need("rope", "qkv [T, (H+2G)*D]", a.length, (long) T * stride);
        need("rope", "positions", pos.length, T);
        need("rope", "invFreq [D/2]", freq.length, half);
        forRows(T, stride, t -> {
            for (int i = 0; i < half; i++) {
                float angle = (float) pos[t] * freq[i]; // float32 product, as HF's freqs
                float cos = (float) Math.cos(angle);
                float sin = (float) Math.sin(angle);
                for (int h = 0; h < nHeads + nKvHeads; h++) {
                    int j = t * stride + h * headDim + i;
                    float x0 = a[j];
                    float x1 = a[j + half];
                    a[j] = x0 * cos - x1 * sin;
                    a[j + half] = x1 * cos + x0 * sin;
                }
            }
        });
    }

    @Override
    public void kvWrite(KvCache cache, int layer, Tensor qkv, SeqBatch batch, int nHeads) {
        CpuAttention.kvWrite(kv(cache, "kvWrite"), layer, f(qkv, "kvWrite"), batch, nHeads);
    }

    @Override
    public void attention(Tensor out, Tensor qkv, KvCache cache, int layer, SeqBatch batch, int nHeads) {
        CpuAttention.attention(f(out, "attention"), f(qkv, "attention"), kv(cache, "attention"), layer, batch, nHeads);
    }

    @Override
    public void addBias(Tensor x, Weight bias, int T, int n) {
        float[] a = f(x, "addBias");
        CpuWeight b = w(bias, "addBias");
        need("addBias", "x [T, n]", a.length, (long) T * n);
        if ((long) b.rows * b.cols != n) throw shape("addBias", "bias " + b.rows + "x" + b.cols + " for n=" + n);
        forRows(T, n, t -> CpuRowOps.addBias(a, t * n, b.data, n));
    }

    @Override
    public void rmsnormHeads(Tensor x, Weight w, int T, int stride, int offset, int heads, int headDim, float eps) {
        float[] a = f(x, "rmsnormHeads");
        float[] g = w(w, "rmsnormHeads").data;
        if (g.length != headDim) throw shape("rmsnormHeads", "w has " + g.length + " elements for headDim=" + headDim);
        if (offset < 0 || offset + (long) heads * headDim > stride) {
            throw shape("rmsnormHeads", "heads [" + offset + ", " + (offset + (long) heads * headDim)
                    + ") outside a row of stride " + stride);
        }
        need("rmsnormHeads", "x [T, stride]", a.length, (long) T * stride);
        forRows(T, heads * headDim, t -> {
            for (int h = 0; h < heads; h++) {
                int base = t * stride + offset + h * headDim;
                CpuRowOps.rmsnorm(a, base, a, base, g, headDim, eps);
            }
        });
    }

    @Override
    public void swiglu(Tensor out, Tensor gateUp, int T, int hidden) {
        float[] o = f(out, "swiglu");
        float[] gu = f(gateUp, "swiglu");
        need("swiglu", "gateUp [T, 2*hidden]", gu.length, 2L * T * hidden);
        need("swiglu", "out [T, hidden]", o.length, (long) T * hidden);
        forRows(T, hidden, t -> {
            int g = t * 2 * hidden;
            for (int j = 0; j < hidden; j++) {
                float gate = gu[g + j];
                float silu = (float) (gate / (1.0 + Math.exp(-gate)));
                o[t * hidden + j] = silu * gu[g + hidden + j];
            }
        });
    }

    @Override
    public void add(Tensor x, Tensor y, long n) {
        float[] a = f(x, "add");
        float[] b = f(y, "add");
        need("add", "x", a.length, n);
        need("add", "y", b.length, n);
        int len = (int) n;
        int block = ROWS_PER_TASK_MIN_ELEMS;
        Parallel.parallelFor((len + block - 1) / block, c -> {
            for (int j = c * block, end = Math.min(len, j + block); j < end; j++) a[j] += b[j];
        });
    }

    @Override
    public void gatherRows(Tensor dst, long dstOffset, Tensor src, Ints rows, int R, int srcStride, int colOffset, int width) {
        float[] d = f(dst, "gatherRows");
        float[] s = f(src, "gatherRows");
        int[] r = i(rows, "gatherRows");
        need("gatherRows", "rows", r.length, R);
        need("gatherRows", "dst", d.length, dstOffset + (long) R * width);
        for (int k = 0; k < R; k++) {
            long from = (long) r[k] * srcStride + colOffset;
            if (r[k] < 0 || from + width > s.length) {
                throw new IllegalArgumentException("gatherRows: row " + r[k] + " (index " + k + ") * stride "
                        + srcStride + " + " + colOffset + " + width " + width + " exceeds src size " + s.length);
            }
            System.arraycopy(s, (int) from, d, (int) (dstOffset + (long) k * width), width);
        }
    }

    @Override
    public void argmax(Ints out, Tensor logits, int R, int vocab) {
        int[] o = i(out, "argmax");
        float[] l = f(logits, "argmax");
        need("argmax", "out", o.length, R);
        need("argmax", "logits [R, vocab]", l.length, (long) R * vocab);
        for (int r = 0; r < R; r++) {
            int base = r * vocab;
            int best = 0;
            for (int j = 1; j < vocab; j++) if (l[base + j] > l[base + best]) best = j;
            o[r] = best;
        }
    }

    @Override
    public void sampleTopP(Ints out, Tensor logits, int R, int vocab, float[] temperature, float[] topP, float[] uniforms) {
        SampleTopP.sampleRows(i(out, "sampleTopP"), f(logits, "sampleTopP"), R, vocab, temperature, topP, uniforms);
    }

    @Override
    public void importance(Tensor out, long outOffset, Tensor queries, KvCache cache, int seq, int n,
                           int nQueries, int maxQueries, int poolKernel, int nHeads) {
        float[] o = f(out, "importance");
        need("importance", "out", o.length, outOffset + n);
        CpuAttention.importance(o, (int) outOffset, f(queries, "importance"), kv(cache, "importance"), seq, n,
                nQueries, maxQueries, poolKernel, nHeads);
    }

    @Override
    public void close() {
        // nothing held beyond heap arrays
    }

    // ---------------------------------------------------------------- helpers

    /** Runs body over rows t < T, in parallel blocks when the op is big enough to pay for it. */
    static void forRows(int T, int rowElems, java.util.function.IntConsumer body) {
        int rowsPerTask = Math.max(1, ROWS_PER_TASK_MIN_ELEMS / Math.max(1, rowElems));
        int tasks = (T + rowsPerTask - 1) / rowsPerTask;
        Parallel.parallelFor(tasks, c -> {
            for (int t = c * rowsPerTask, end = Math.min(T, t + rowsPerTask); t < end; t++) body.accept(t);
        });
    }

    static int checkedSize(long size, String what) {
        if (size < 0 || size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(what + ": " + size + " elements do not fit one Java array (max "
                    + (Integer.MAX_VALUE - 8) + ")");
        }
        return (int) size;
    }

    static void need(String op, String what, long have, long needed) {
        if (have < needed) {
            throw new IllegalArgumentException(op + ": " + what + " has " + have + " elements, needs " + needed);
        }
    }

    private static IllegalArgumentException shape(String op, String detail) {
        return new IllegalArgumentException(op + ": bad shapes: " + detail);
    }

    private static float[] f(Tensor t, String op) {
        if (t instanceof CpuTensor) return ((CpuTensor) t).data;
        throw new IllegalArgumentException(op + ": tensor " + t + " does not belong to the CPU backend");
    }

    static int[] i(Ints t, String op) {
        if (t instanceof CpuInts) return ((CpuInts) t).data;
        throw new IllegalArgumentException(op + ": ints " + t + " do not belong to the CPU backend");
    }

    /** A CPU weight; FP8 ones only for matmul and matmulAdd. */
    private static CpuWeight w(Weight t, String op) {
        if (t instanceof CpuWeight) {
            CpuWeight cw = (CpuWeight) t;
            if (cw.fp8() && !op.startsWith("matmul")) {
                throw new IllegalArgumentException(op + ": an FP8 weight (" + cw.rows + "x" + cw.cols + ") is only a GEMM operand");
            }
            return cw;
        }
        throw new IllegalArgumentException(op + ": weight " + t + " does not belong to the CPU backend");
    }

    private static CpuKvCache kv(KvCache c, String op) {
        if (c instanceof CpuKvCache) return (CpuKvCache) c;
        throw new IllegalArgumentException(op + ": KV cache " + c + " does not belong to the CPU backend");
    }
}
