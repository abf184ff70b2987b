package io.specprefill.udf.llama;

import io.specprefill.udf.model.Fp8Matrix;
import io.specprefill.udf.model.HostTensor;

/**
 * The ops the Llama forward pass is written against (Qwen2's biases and Qwen3's q/k norms are
 * {@link #addBias} and {@link #rmsnormHeads}). {@link CpuBackend} (float32, plain Java) is
 * the reference; the CUDA backend in module {@code cuda} implements the same ops on a GPU. The
 * forward pass never asks which backend it has.
 *
 * <p>Contract shared by every implementation:
 * <ul>
 *   <li>Handles ({@link Tensor}, {@link Ints}, {@link Weight}, {@link KvCache}) are opaque: a backend
 *       chooses its storage (CPU: float32 arrays; CUDA: device memory, BF16 weights). Activations
 *       are logically float32, row-major; sizes and offsets are in elements.</li>
 *   <li>Ops may run asynchronously, in call order. {@code read} waits for everything before it.</li>
 *   <li>Packed batches: B sequences are concatenated into T token rows. {@link SeqBatch} says for each
 *       row t its sequence {@code seq[t]} and its KV slot {@code slot[t]}; row t writes its key and
 *       value to slot[t] of its sequence's cache and attends over slots [0, slot[t]] (causal). Slots
 *       are compact and independent of the RoPE positions, which are passed separately (gaps allowed).</li>
 *   <li>Weights are [out, in] ({@code nn.Linear}); {@link #matmul} computes x · w^T.</li>
 *   <li>A bad shape or a failing device call throws an exception naming the op and the shapes.</li>
 * </ul>
 */
public interface Backend extends AutoCloseable {

    /** Float activations ({@code size} elements). */
    interface Tensor extends AutoCloseable {
        long size();

        @Override
        void close();
    }

    /** Int vectors: token ids, positions, slots, row indices, sampled ids. */
    interface Ints extends AutoCloseable {
        int size();

        @Override
        void close();
    }

    /** A weight matrix [rows, cols] (or vector: rows 1), in the backend's weight format. */
    interface Weight extends AutoCloseable {
        long rows();

        long cols();

        /** Bytes it holds (float32 unless the backend says otherwise); memory plans add them up. */
        default long bytes() {
            return rows() * cols() * 4;
        }

        @Override
        void close();
    }

    /**
     * Keys (post-RoPE) and values for {@code batch} sequences of {@code capacity} slots each, every
     * layer: logically [layers][batch][capacity][nKvHeads * headDim], twice.
     */
    interface KvCache extends AutoCloseable {
        int layers();

        int batch();

        int capacity();

        int nKvHeads();

        int headDim();

        @Override
        void close();
    }

    /** Short name for logs ("cpu", "cuda:0"). */
    String name();

    /**
     * What this backend has done so far that a run's log should show, one line ("" when nothing): the
     * GPU backend counts its cuDNN plans and the prefills each attention kernel served, and its CUDA
     * graphs. Tasks log it when they end.
     */
    default String activity() {
        return "";
    }

    /**
     * Memory now, {free, total} bytes, where this backend allocates: the device's for a GPU, the JVM
     * heap's for the CPU backend. Memory plans check requests against it before they allocate.
     */
    default long[] memoryInfo() {
        Runtime r = Runtime.getRuntime();
        long used = r.totalMemory() - r.freeMemory();
        return new long[]{r.maxMemory() - used, r.maxMemory()};
    }

    /**
     * Whether {@link #memoryInfo}'s free bytes are exact (a device's) rather than an estimate (the
     * heap's counts garbage not yet collected as used, so a plan must not turn a row away on it).
     */
    default boolean memoryInfoExact() {
        return false;
    }

    /** Bytes of one element of a {@link #narrowTensor} (float32 here; BF16 on the GPU). */
    default int narrowBytes() {
        return 4;
    }

    /** Bytes of one key or value element in a {@link KvCache} (float32 here; BF16 on the GPU). */
    default int kvCacheBytes() {
        return 4;
    }

    // ---------------------------------------------------------------- memory

    /** Uploads the given tensors stacked along dim 0 (same column count), e.g. wq|wk|wv fused. */
    Weight weight(HostTensor... rowBlocks);

    /**
     * Uploads FP8 matrices (E4M3 codes + one float32 scale per row, see {@link Fp8Matrix}) stacked
     * along dim 0, e.g. wq|wk|wv fused: each block keeps its own row scales, so a per-tensor scale of
     * an FP8 checkpoint becomes equal scales on that block's rows. A {@link #matmul} or
     * {@link #matmulAdd} on such a weight is a W8A8 GEMM (FP8 activations and weights):
     * <ol>
     *   <li>each row t of x [T, k] is quantised on its own: sx[t] = absmax_p |x[t, p]| / 448 (1 for a
     *       zero row), qx[t, p] = E4M3(x[t, p] / sx[t]), round to nearest even, saturated to +-448
     *       ({@code Fp8}; dynamic per-token scaling, as vLLM and compressed-tensors do);</li>
     *   <li>acc[t, j] = sum_p decode(qx[t, p]) * decode(qw[j, p]) in float32 (every product is exact
     *       in float32; only the summation order and, on tensor cores, the accumulator's width may differ);</li>
     *   <li>out[t, j] = acc[t, j] * (sx[t] * sw[j]) (matmul), or x[t, j] += that (matmulAdd).</li>
     * </ol>
     * Where x is narrow (BF16 on the GPU), step 1 quantises the BF16 values. {@code CpuBackend} is the
     * reference; a GPU (cuBLASLt on FP8 tensor cores) matches it within a norm-wise relative error of
     * 2e-3 when both quantise the same x (same codes), and within the BF16 tolerances of
     * docs/design.md section 9 otherwise. Columns must be a multiple of 16 on the GPU (FP8 GEMMs).
     *
     * <p>Default: unsupported, so a backend without FP8 fails naming the op, never silently.
     */
    default Weight weightFp8(Fp8Matrix... rowBlocks) {
        throw new UnsupportedOperationException("weightFp8: backend " + name() + " has no FP8 weights");
    }

    /** Float activations of {@code size} elements; contents undefined. */
    Tensor tensor(long size);

    /**
     * Activations that a backend may store in 16 bits (CUDA: BF16), for the intermediates that feed
     * only a matmul, RoPE, the KV cache or attention: the normed inputs, q|k|v, the attention output,
     * gate|up and the SwiGLU output, as a BF16 PyTorch model holds them (the residual stream and the
     * logits stay in {@link #tensor}s). Logically float like any tensor: {@link #write} rounds,
     * {@link #read} widens. CPU: float32, the same as {@link #tensor}.
     */
    default Tensor narrowTensor(long size) {
        return tensor(size);
    }

    /** Int vector of {@code size} elements; contents undefined. */
    Ints ints(int size);

    KvCache kvCache(int layers, int batch, int capacity, int nKvHeads, int headDim);

    /** dst[dstOffset + i] = src[i], i &lt; n. */
    void write(Tensor dst, long dstOffset, float[] src, int n);

    /** dst[i] = src[i], i &lt; n. */
    void write(Ints dst, int[] src, int n);

    /** dst[i] = src[srcOffset + i], i &lt; n; waits for every op before it. */
    void read(Tensor src, long srcOffset, float[] dst, int n);

    /** dst[i] = src[i], i &lt; n; waits for every op before it. */
    void read(Ints src, int[] dst, int n);

    /** Waits for every op issued so far. */
    void synchronize();

    /**
     * Runs {@code step}, a fixed sequence of this backend's ops, possibly by replaying a recording of
     * an earlier call with an equal {@code key} (CUDA: a captured graph, one launch instead of hundreds)
     * instead of issuing each op again. The caller guarantees that for an equal key the step issues the
     * same ops with the same host-side arguments, and that whatever changes between calls (tokens,
     * positions, slots) lives in backend buffers written before the call. CPU: runs the step.
     */
    default void replay(Object key, Runnable step) {
        step.run();
    }

    // ---------------------------------------------------------------- ops

    /** out[t, :] = table[tokens[t], :] for t &lt; T; table [vocab, dim]. */
    void embed(Tensor out, Weight table, Ints tokens, int T, int dim);

    /**
     * out[t] = x[t] * rsqrt(mean(x[t]^2) + eps) * w, in float32 (HF LlamaRMSNorm). out may be x.
     * x, out [T, dim]; w [dim].
     */
    void rmsnorm(Tensor out, Tensor x, Weight w, int T, int dim, float eps);

    /**
     * out[T, n] = x[T, k] · w[n, k]^T (nn.Linear, no bias). This is where the time goes. An FP8 weight
     * ({@link #weightFp8}) makes it a W8A8 GEMM with per-token activation scales (see there).
     */
    void matmul(Tensor out, Tensor x, Weight w, int T, int n, int k);

    /**
     * The attention's input half of a layer without q/k/v biases or q/k norms (Llama): qkv [T, (H + 2G) * D]
     * = rope(rmsnorm(x, norm, eps) · wqkv^T) at {@code positions}, and the rows' keys and values written
     * to the cache of {@code layer} at the batch's slots; xb [T, dim] is the norm's output. This default
     * is {@link #rmsnorm}, {@link #matmul}, {@link #rope}, {@link #kvWrite}; a backend may fuse them (a
     * decode row: the projection, RoPE and the cache write in one launch). T = batch.tokens().
     */
    default void attentionInput(Tensor qkv, Tensor xb, Tensor x, Weight norm, Weight wqkv, Ints positions,
                                Tensor invFreq, KvCache cache, int layer, SeqBatch batch, int nHeads, int nKvHeads,
                                int headDim, int dim, float eps) {
        int T = batch.tokens();
        rmsnorm(xb, x, norm, T, dim, eps);
        matmul(qkv, xb, wqkv, T, (nHeads + 2 * nKvHeads) * headDim, dim);
        rope(qkv, positions, invFreq, T, nHeads, nKvHeads, headDim);
        kvWrite(cache, layer, qkv, batch, nHeads);
    }

    /**
     * The MLP's input half: out[T, hidden] = swiglu(rmsnorm(x, norm, eps) · w13[2 * hidden, dim]^T),
     * through the intermediates xb [T, dim] and gateUp [T, 2 * hidden]: {@link #rmsnorm},
     * {@link #matmul}, {@link #swiglu}, as this default does. A backend may fuse them (gateUp is then
     * scratch it need not write).
     */
    default void rmsnormGateUp(Tensor out, Tensor gateUp, Tensor xb, Tensor x, Weight norm, Weight w13, int T,
                               int hidden, int dim, float eps) {
        rmsnorm(xb, x, norm, T, dim, eps);
        matmul(gateUp, xb, w13, T, 2 * hidden, dim);
        swiglu(out, gateUp, T, hidden);
    }

    /**
     * x[T, n] += in[T, k] · w[n, k]^T: a projection and the residual add after it in one op (the
     * out- and down-projections), so a backend can fuse the add into the GEMM's epilogue. The same
     * float32 addition as {@link #matmul} into a temporary followed by {@link #add}.
     */
    void matmulAdd(Tensor x, Tensor in, Weight w, int T, int n, int k);

    /**
     * RoPE in place on fused rows qkv [T, (H + 2G) * D]: the first H + G heads of row t (the queries,
     * then the keys) are rotated by angle positions[t] * invFreq[i] in HF's rotate_half convention:
     * x'[i] = x[i] cos - x[i + D/2] sin, x'[i + D/2] = x[i + D/2] cos + x[i] sin, i &lt; D/2. The angle
     * is the float32 product, as HF computes it. invFreq [D/2] float32, already llama3-scaled.
     */
    void rope(Tensor qkv, Ints positions, Tensor invFreq, int T, int nHeads, int nKvHeads, int headDim);

    /** Writes the key and value parts of each row of qkv [T, (H + 2G) * D] to the cache of {@code layer}. */
    void kvWrite(KvCache cache, int layer, Tensor qkv, SeqBatch batch, int nHeads);

    /**
     * out[t, h*D:(h+1)*D] = softmax_j(q_th · k_j / sqrt(D)) v_j over slots j in [0, slot[t]] of the
     * sequence seq[t], KV head h / (H / G); softmax in float32. q from qkv [T, (H + 2G) * D]; out [T, H * D].
     * Called after {@link #kvWrite} of the same rows. Rows of one step may be any mix of long and
     * one-token sequences; a backend may use different kernels for prefill and decode.
     */
    void attention(Tensor out, Tensor qkv, KvCache cache, int layer, SeqBatch batch, int nHeads);

    /**
     * x[t, j] += bias[j] for t &lt; T, j &lt; n: the bias of an {@code nn.Linear} (HF: {@code x @ W^T + b}).
     * Qwen2's q/k/v projections use it on the fused rows qkv [T, (H + 2G) * D] with bias = bq|bk|bv,
     * one row of (H + 2G) * D; o_proj (attention_bias) on [T, dim]. x [T, n] a tensor or a narrow
     * tensor (the fused qkv rows); bias a [1, n] weight (a single row, as norm vectors). Added after
     * {@link #matmul}, before RoPE.
     */
    void addBias(Tensor x, Weight bias, int T, int n);

    /**
     * Per-head RMSNorm in place (Qwen3's q_norm and k_norm, before RoPE): for every row t &lt; T and
     * head h &lt; heads, the D values v = x[t * stride + offset + h * D + i], i &lt; D, become
     * v * rsqrt(mean(v^2) + eps) * w[i], in float32, with one weight w [D] for every head
     * (HF: {@code self.q_norm(q_proj(x).view(*, heads, D))}, Qwen3RMSNorm). On the fused rows
     * qkv [T, (H + 2G) * D] it is called twice: offset 0 with the H query heads and q_norm, offset
     * H * D with the G key heads and k_norm; the values (offset (H + G) * D) are untouched.
     * Computed in float32; x a tensor or a narrow tensor (the fused qkv rows); w a [1, D] weight.
     */
    void rmsnormHeads(Tensor x, Weight w, int T, int stride, int offset, int heads, int headDim, float eps);

    /** out[t, j] = silu(gateUp[t, j]) * gateUp[t, hidden + j]; gateUp [T, 2 * hidden] (w1|w3 fused), out [T, hidden]. */
    void swiglu(Tensor out, Tensor gateUp, int T, int hidden);

    /** x[i] += y[i], i &lt; n (the residual). */
    void add(Tensor x, Tensor y, long n);

    /**
     * dst[dstOffset + r * width + c] = src[rows[r] * srcStride + colOffset + c] for r &lt; R, c &lt; width.
     * Picks the last token's hidden state for the LM head, or records post-RoPE queries for the scorer.
     */
    void gatherRows(Tensor dst, long dstOffset, Tensor src, Ints rows, int R, int srcStride, int colOffset, int width);

    /** out[r] = argmax_j logits[r, j], j &lt; vocab (the lowest index wins a tie), r &lt; R. */
    void argmax(Ints out, Tensor logits, int R, int vocab);

    /**
     * Temperature + top-p (nucleus) sampling: out[r] for r &lt; R from logits [R, vocab], with the row's
     * temperature[r] &gt; 0 (finite), topP[r] in (0, 1] and uniform draw uniforms[r] in [0, 1), all
     * host arrays [R] (per row, so one call serves a batch whose requests differ). In float32, for row x:
     * <ol>
     *   <li>e_j = exp((x_j - max x) / T) (p = e / S, S = sum e).</li>
     *   <li>Nucleus: the tokens with x_j &gt;= x*, where x* is the largest logit value such that the tokens
     *       at or above it hold mass &gt;= topP * S: the smallest set of most likely tokens reaching topP,
     *       except that a tie at the threshold is kept whole (tokens with equal logits are all in or all
     *       out). Never empty. Logits compare as floats (-0 equals +0); they must be finite or -inf.</li>
     *   <li>Draw: K = the kept mass summed in ascending id; out[r] = the first kept id j (ascending) whose
     *       running kept mass exceeds u * K; the last kept id if float rounding leaves none.</li>
     * </ol>
     * Backends may order sums differently or accumulate them in higher precision (CPU: double), so ids
     * agree except where u * K or topP * S lands within rounding of a boundary. topP -&gt; 0 keeps only the max-logit tokens: greedy
     * unless the maximum is tied. A bad argument throws naming the row and the value.
     */
    void sampleTopP(Ints out, Tensor logits, int R, int vocab, float[] temperature, float[] topP, float[] uniforms);

    /**
     * Speculative-prefill importance (design.md 4, steps 3-4) of one sequence {@code seq} of the cache.
     * queries: post-RoPE queries, logically [layers][batch][maxQueries][H * D]; the first
     * {@code nQueries} of sequence seq are used. For every layer l, query head h (KV head h / (H/G)) and
     * recorded query a: p = softmax over the n prompt keys (slots [0, n)) of q·k/sqrt(D) in float32;
     * p is average-pooled (kernel poolKernel, stride 1, zero padding poolKernel/2 counted in the mean);
     * then the max over (l, h) and the mean over the nQueries queries: out[outOffset + j], j &lt; n.
     * Never builds an n x n matrix; memory O(layers * H * nQueries * n) at most.
     */
    void importance(Tensor out, long outOffset, Tensor queries, KvCache cache, int seq, int n,
                    int nQueries, int maxQueries, int poolKernel, int nHeads);

    @Override
    void close();
}
