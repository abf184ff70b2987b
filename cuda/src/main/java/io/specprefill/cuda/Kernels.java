package io.specprefill.cuda;

/**
 * Launchers of the kernels in {@code src/main/cuda}, one method per op with the op's name. Each checks
 * the shape rules of its kernel, picks grid and block, and launches on the backend's stream (see
 * {@link Launcher}). Buffers are raw device addresses (already offset); their sizes are checked by
 * CudaBackend, which knows the handles. Activations f32, weights and KV cache BF16, ints int32.
 */
final class Kernels {
    private final Launcher l;
    private final Cublas cublas;

    Kernels(Launcher launcher, Cublas cublas) {
        this.l = launcher;
        this.cublas = cublas;
    }

    Launcher launcher() {
        return l;
    }

    /** out [T, dim] f32 = table [vocab, dim] BF16 rows of tokens [T]. */
    void embed(long out, long table, long tokens, int T, int dim, int vocab) {
        if (T == 0) return;
        even(dim, "embed", "dim");
        l.launch("embed", "embed_v1", T, 1, 1, 256, 0, out, table, tokens, dim, vocab);
    }

    /** out [T, dim] = rmsnorm(x [T, dim]) * w [dim] (f32); out may be x. */
    void rmsnorm(long out, long x, long w, int T, int dim, float eps) {
        if (T == 0) return;
        l.launch("rmsnorm", "rmsnorm_v1", T, 1, 1, 256, 0, out, x, w, dim, eps);
    }

    /** dst [n] BF16 = src [n] f32 (addresses 16-byte aligned for the vector path). */
    void toBf16(long dst, long src, long n) {
        if (n == 0) return;
        aligned16(dst, "to_bf16 dst");
        aligned16(src, "to_bf16 src");
        l.launch("to_bf16", "to_bf16_v1", l.blocks((n + 3) / 4, 256, "to_bf16"), 1, 1, 256, 0, dst, src, n);
    }

    /**
     * out [T, n] f32 = x [T, k] f32 · w [n, k]^T (BF16): x is cast to BF16 into xBf16 (T * k elements,
     * 16-byte aligned), then one cuBLAS GEMM with float32 accumulation.
     */
    void matmul(long out, long x, long w, int T, int n, int k, long xBf16) {
        if (T == 0) return;
        toBf16(xBf16, x, (long) T * k);
        cublas.gemmBf16(l.streamAddress, T, n, k, w, xBf16, out);
    }

    /** RoPE in place on the first H + G heads of each row of qkv [T, (H + 2G) * D]; positions [T], invFreq [D/2]. */
    void rope(long qkv, long positions, long invFreq, int T, int nHeads, int nKvHeads, int headDim) {
        if (T == 0) return;
        even(headDim, "rope", "headDim");
        l.launch("rope", "rope_v1", T, 1, 1, 128, 0, qkv, positions, invFreq, nHeads + nKvHeads, headDim,
                (nHeads + 2 * nKvHeads) * headDim);
    }

    /** Keys and values of qkv [T, (H + 2G) * D] into the layer blocks kc, vc [batch][G][capacity][D] BF16. */
    void kvWrite(long kc, long vc, long qkv, long seq, long slot, int T, int nHeads, int nKvHeads, int headDim,
                 int capacity) {
        if (T == 0) return;
        l.launch("kv_write", "kv_write_v1", T, 1, 1, 128, 0, kc, vc, qkv, seq, slot, nHeads, nKvHeads, headDim, capacity);
    }

    /** Whether {@link #attentionPrefill} has an instantiation for this head size. */
    static boolean prefillSupports(int headDim) {
        return headDim == 16 || headDim == 32 || headDim == 64 || headDim == 128;
    }

    /** Rows per tile of attention_prefill (its BM). */
    static final int PREFILL_TILE_ROWS = 64;

    /**
     * Tiled tensor-core causal attention (attention_prefill.cu), version 2 or 3 (3 needs H/G even
     * and runs version 2 otherwise): tiles [numTiles][8] int32 built by {@link AttentionTiles};
     * out [T, H * D] f32.
     */
    void attentionPrefill(int version, long out, long qkv, long kc, long vc, long slot, long tiles, int numTiles,
                          int nHeads, int nKvHeads, int headDim, int capacity) {
        if (numTiles == 0) return;
        if (!prefillSupports(headDim)) {
            throw new CudaException(l.device + ": attention_prefill has no instantiation for head_dim " + headDim
                    + " (16, 32, 64, 128); use the decode kernel");
        }
        float scaleLog2 = (float) (1.0 / Math.sqrt(headDim) / Math.log(2.0));
        boolean pairs = (nHeads / nKvHeads) % 2 == 0;   // heads of one KV group share its K/V blocks
        if (version == 3 && pairs) {
            int keys = headDim == 128 ? 32 : 64;   // its BNT: keeps D = 128 in registers
            l.launch("attention_prefill", "attention_prefill_v3_d" + headDim, nHeads / 2, numTiles, 1, 128,
                    2 * 2 * keys * (headDim + 8) * 2, out, qkv, kc, vc, slot, tiles, nHeads, nKvHeads, capacity, scaleLog2);
            return;
        }
        if (version != 2 && version != 3) {
            throw new CudaException(l.device + ": attention_prefill has versions 2 and 3, not " + version);
        }
        int headsPerBlock = pairs ? 2 : 1;
        l.launch("attention_prefill", "attention_prefill_v2_d" + headDim + "_h" + headsPerBlock, nHeads / headsPerBlock,
                numTiles, 1, 128 * headsPerBlock, 2 * 2 * 64 * (headDim + 8) * 2, out, qkv, kc, vc, slot, tiles, nHeads,
                nKvHeads, capacity, scaleLog2);
    }

    /** Largest H / G and head size attention_decode supports (its MAXKV, MAXD). */
    static final int DECODE_MAX_KV_MUL = 8;
    static final int DECODE_MAX_HEAD_DIM = 256;

    /** Keys per split of attention_decode version 1 (its CHUNK) and 2 (CHUNK2). */
    static int decodeChunk(int version) {
        return version == 1 ? 256 : 128;
    }

    /** Whether attention_decode_v2 runs this head size (16-byte rows). */
    static boolean decodeV2Supports(int headDim) {
        return headDim % 8 == 0;
    }

    /**
     * Split-KV attention of independent rows (attention_decode.cu), version 1 or 2: maxLen = max(slot)
     * + 1 over the rows; partO [T * H * splits * D] and partML [T * H * splits * 2] f32 scratch,
     * splits = {@link #splits}(version, maxLen).
     */
    void attentionDecode(int version, long out, long qkv, long kc, long vc, long seq, long slot, int T, int nHeads,
                         int nKvHeads, int headDim, int capacity, int maxLen, long partO, long partML) {
        if (T == 0) return;
        int kvMul = nHeads / nKvHeads;
        if (kvMul > DECODE_MAX_KV_MUL || headDim > DECODE_MAX_HEAD_DIM) {
            throw new CudaException(l.device + ": attention_decode supports H/G <= " + DECODE_MAX_KV_MUL
                    + " and head_dim <= " + DECODE_MAX_HEAD_DIM + ", got H/G=" + kvMul + " head_dim=" + headDim);
        }
        even(headDim, "attention_decode", "headDim");
        checkVersion(version, "attention_decode");
        if (version == 2 && !decodeV2Supports(headDim)) {
            throw new CudaException(l.device + ": attention_decode_v2 needs head_dim % 8 == 0, got " + headDim);
        }
        int splits = splits(version, maxLen);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        if (version == 1) {
            l.launch("attention_decode", "attention_decode_v1", T, nKvHeads, splits, 128, 0, partO, partML, qkv, kc, vc,
                    seq, slot, nHeads, nKvHeads, headDim, capacity, splits, scale);
        } else {
            int smem = 2 * 128 * (headDim + 8) * 2 + kvMul * (headDim + 128 + 256) * 4;
            l.launch("attention_decode", "attention_decode_v2", T, nKvHeads, splits, 128, smem, partO, partML, qkv, kc,
                    vc, seq, slot, nHeads, nKvHeads, headDim, capacity, splits, scale);
        }
        l.launch("attention_decode", "attention_combine_v2", T, nHeads, (headDim + 31) / 32, 256, splits * 4, out, partO,
                partML, slot, nHeads, headDim, splits, decodeChunk(version));
    }

    static int splits(int version, int maxLen) {
        int chunk = decodeChunk(version);
        return Math.max(1, (maxLen + chunk - 1) / chunk);
    }

    private void checkVersion(int version, String kernel) {
        if (version != 1 && version != 2) throw new CudaException(l.device + ": " + kernel + " has no version " + version);
    }

    /** out [T, hidden] = silu(gateUp[:, :hidden]) * gateUp[:, hidden:]. */
    void swiglu(long out, long gateUp, int T, int hidden) {
        long n = (long) T * hidden;
        if (n == 0) return;
        l.launch("swiglu", "swiglu_v1", l.blocks(n, 256, "swiglu"), 1, 1, 256, 0, out, gateUp, T, hidden);
    }

    /** x [n] += y [n]. */
    void add(long x, long y, long n) {
        if (n == 0) return;
        aligned16(x, "add x");
        aligned16(y, "add y");
        l.launch("add", "add_v1", l.blocks((n + 3) / 4, 256, "add"), 1, 1, 256, 0, x, y, n);
    }

    /** dst [R, width] = src rows [rows[r] * srcStride + colOffset, + width). */
    void gatherRows(long dst, long src, long rows, int R, int srcStride, int colOffset, int width) {
        if (R == 0 || width == 0) return;
        l.launch("gather_rows", "gather_rows_v1", R, 1, 1, 128, 0, dst, src, rows, srcStride, colOffset, width);
    }

    /** out [R] int32 = argmax of each row of logits [R, vocab]. */
    void argmax(long out, long logits, int R, int vocab) {
        if (R == 0) return;
        l.launch("argmax", "argmax_v1", R, 1, 1, 1024, 0, out, logits, vocab);
    }

    /**
     * out [R] int32 = temperature + top-p samples of logits [R, vocab] f32 (sample_top_p.cu); params
     * [3][R] f32 = temperature, topP, uniform of each row, already checked on the host.
     */
    void sampleTopP(long out, long logits, long params, int R, int vocab) {
        if (R == 0) return;
        if (vocab < 1) throw new CudaException(l.device + ": sample_top_p: vocab=" + vocab + " must be >= 1");
        l.launch("sample_top_p", "sample_top_p_v1", R, 1, 1, 1024, 0, out, logits, params, R, vocab);
    }

    /**
     * One layer of the importance scorer (importance.cu): z [H][A][n] logits of the A queries
     * (queries: the (layer, sequence) block [maxQueries][H * D] f32) against keys [0, n) of sequence
     * seq in the layer block kc; then per-row softmax statistics into stats [H * A] (float2); then the
     * pooled probabilities' max over heads into acc [A][n] (stored when first, else max-combined).
     */
    void importanceLayer(long acc, long z, long stats, long queries, long kc, int seq, int n, int A, int nHeads,
                         int nKvHeads, int headDim, int capacity, int poolKernel, boolean first) {
        if (n == 0) return;
        int R = nHeads / nKvHeads * A;
        int smem = (R * headDim + 32 * (headDim / 2 + 1)) * 4;
        if (smem > 200 * 1024) {
            throw new CudaException(l.device + ": importance_logits_v1: " + R + " query rows of head_dim " + headDim
                    + " need " + smem + " bytes of shared memory");
        }
        if (poolKernel < 1 || poolKernel % 2 == 0 || poolKernel > 4096) {
            throw new CudaException(l.device + ": importance: pool kernel W=" + poolKernel + " must be odd, 1..4095");
        }
        even(headDim, "importance", "headDim");
        l.launch("importance", "importance_logits_v1", l.blocks(n, 32, "importance_logits"), nKvHeads, 1, 256, smem,
                z, queries, kc, seq, n, A, nHeads, nKvHeads, headDim, capacity, (float) (1.0 / Math.sqrt(headDim)));
        l.launch("importance", "importance_softmax_v1", nHeads * A, 1, 1, 256, 0, stats, z, n);
        l.launch("importance", "importance_pool_max_v1", l.blocks(n, 256, "importance_pool_max"), A, 1, 256,
                (256 + poolKernel - 1) * 4, acc, z, stats, n, A, nHeads, poolKernel, first ? 1 : 0);
    }

    /** out [n] = mean over a of acc [A][n], after the last layer. */
    void importanceMean(long out, long acc, int n, int A) {
        if (n == 0) return;
        l.launch("importance", "importance_mean_v1", l.blocks(n, 256, "importance_mean"), 1, 1, 256, 0, out, acc, n, A);
    }

    /** dst [n] BF16 uniform in [-scale, scale), a hash of (seed, index). */
    void fillUniformBf16(long dst, long n, long seed, float scale) {
        if (n == 0) return;
        l.launch("synthetic", "fill_uniform_bf16_v1", 1024, 1, 1, 256, 0, dst, n, seed, scale);
    }

    /** dst [n] f32 uniform in [-scale, scale), a hash of (seed, index). */
    void fillUniformF32(long dst, long n, long seed, float scale) {
        if (n == 0) return;
        l.launch("synthetic", "fill_uniform_f32_v1", 1024, 1, 1, 256, 0, dst, n, seed, scale);
    }

    /** dst [n] f32 = value. */
    void fillF32(long dst, long n, float value) {
        if (n == 0) return;
        l.launch("synthetic", "fill_f32_v1", l.blocks(Math.min(n, 1L << 20), 256, "fill_f32"), 1, 1, 256, 0, dst, n, value);
    }

    private void even(int v, String kernel, String what) {
        if (v % 2 != 0) throw new CudaException(l.device + ": " + kernel + ": " + what + "=" + v + " must be even");
    }

    private void aligned16(long address, String what) {
        if (address % 16 != 0) {
            throw new CudaException(l.device + ": " + what + " address 0x" + Long.toHexString(address)
                    + " is not 16-byte aligned (the kernel uses 16-byte vector accesses)");
        }
    }
}
