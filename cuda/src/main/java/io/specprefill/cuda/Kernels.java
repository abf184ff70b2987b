package io.specprefill.cuda;

import io.specprefill.cuda.Launcher.Kernel;

/**
 * Launchers of the kernels in {@code src/main/cuda}, one method per op with the op's name. Each checks
 * the shape rules of its kernel, picks grid and block, and launches on the backend's stream (see
 * {@link Launcher}). Buffers are raw device addresses (already offset); their sizes are checked by
 * CudaOps, which knows the handles. Activations are f32 or BF16 ({@code bf16} arguments pick the
 * instantiation), weights and the KV cache BF16, ints int32. Kernel handles are resolved once.
 */
final class Kernels {
    private final Launcher l;
    private final Cublas cublas;

    /** Shared memory of one multiprocessor (bytes): a kernel asking for more than half of it runs alone on one. */
    private final int smemPerMultiprocessor;

    Kernels(Launcher launcher, Cublas cublas, int smemPerMultiprocessor) {
        this.l = launcher;
        this.cublas = cublas;
        this.smemPerMultiprocessor = smemPerMultiprocessor;
    }

    Launcher launcher() {
        return l;
    }

    private static Kernel k(String file, String name) {
        return new Kernel(file, name);
    }

    /** [f32, bf16] instantiations of a templated kernel. */
    private static Kernel[] pair(String file, String name) {
        return new Kernel[]{k(file, name + "_f32"), k(file, name + "_bf16")};
    }

    /** The kernels, marked programmatic (Launcher.Kernel#programmatic: each waits before reading its inputs). */
    private static Kernel[] programmatic(Kernel[] ks) {
        for (Kernel k : ks) k.programmatic();
        return ks;
    }

    private static int ix(boolean bf16) {
        return bf16 ? 1 : 0;
    }

    private final Kernel embed = k("embed", "embed_v1");
    private final Kernel[] rmsnorm = programmatic(pair("rmsnorm", "rmsnorm_v2"));
    private final Kernel toBf16 = k("to_bf16", "to_bf16_v1");
    private final Kernel[] rope = pair("rope", "rope_v2");
    private final Kernel[] kvWrite = pair("kv_write", "kv_write_v1");
    private final Kernel kvWrite2 = k("kv_write", "kv_write_v2_bf16");
    private final Kernel[] swiglu = pair("swiglu", "swiglu_v1");
    private final Kernel swiglu2 = k("swiglu", "swiglu_v2_bf16");
    private final Kernel add = k("add", "add_v1");
    private final Kernel[] addBias = pair("add_bias", "add_bias_v1");
    private final Kernel[] rmsnormHeads = pair("rmsnorm_heads", "rmsnorm_heads_v1");
    private final Kernel[] gatherRows = pair("gather_rows", "gather_rows_v1");
    private final Kernel argmax = k("argmax", "argmax_v2");
    private final Kernel sampleTopP = k("sample_top_p", "sample_top_p_v1");
    /** gemv_v3 by chunks a lane (4, 8, 16): [cpl index][bf16, f32, f32 +=]. */
    private final Kernel[][] gemv3 = new Kernel[3][];
    /** gemv_v3 with the SwiGLU and the RoPE + cache-write epilogues, by chunks a lane. */
    private final Kernel[] gemvSwiglu = new Kernel[3], gemvQkv = new Kernel[3];

    {
        for (int i = 0; i < 3; i++) {
            String c = "_c" + (4 << i);
            // programmatic: each issues its weight loads before waiting for the kernel before it
            gemv3[i] = new Kernel[]{k("gemv", "gemv_v3" + c + "_bf16").programmatic(),
                    k("gemv", "gemv_v3" + c + "_f32").programmatic(), k("gemv", "gemv_v3" + c + "_add").programmatic()};
            gemvSwiglu[i] = k("gemv", "gemv_v3_swiglu" + c + "_bf16").programmatic();
            gemvQkv[i] = k("gemv", "gemv_v3_qkv" + c + "_bf16").programmatic();
        }
    }



    private final Kernel importanceLogits = k("importance", "importance_logits_v1");
    private final Kernel importanceSoftmax = k("importance", "importance_softmax_v1");
    private final Kernel importancePoolMax = k("importance", "importance_pool_max_v1");
    private final Kernel importanceMean = k("importance", "importance_mean_v1");
    private final Kernel[][] decode = {pair("attention_decode", "attention_decode_v1"),
            pair("attention_decode", "attention_decode_v2")};
    private final Kernel[] combine = pair("attention_decode", "attention_combine_v2");
    /** [D index: 32, 64, 128][f32, bf16]. */
    private final Kernel[][] decode5 = {programmatic(pair("attention_decode_v5", "attention_decode_v5_d32")),
            programmatic(pair("attention_decode_v5", "attention_decode_v5_d64")),
            programmatic(pair("attention_decode_v5", "attention_decode_v5_d128"))};
    /** [D index: 16, 32, 64, 128][variant: v2 h1, v2 h2, v3][f32, bf16]. */
    private final Kernel[][][] prefill = new Kernel[4][3][];

    {
        int[] dims = {16, 32, 64, 128};
        for (int i = 0; i < 4; i++) {
            String d = "_d" + dims[i];
            prefill[i][0] = pair("attention_prefill", "attention_prefill_v2" + d + "_h1");
            prefill[i][1] = pair("attention_prefill", "attention_prefill_v2" + d + "_h2");
            prefill[i][2] = pair("attention_prefill", "attention_prefill_v3" + d);
        }
    }

    /** out [T, dim] f32 = table [vocab, dim] BF16 rows of tokens [T]. */
    void embed(long out, long table, long tokens, int T, int dim, int vocab) {
        if (T == 0) return;
        even(dim, embed, "dim");
        l.launch(embed, T, 1, 1, 256, 0).ptr(out).ptr(table).ptr(tokens).i(dim).i(vocab).go();
    }

    /** At or below this many rows a step is decode-like: launch shapes favour latency over throughput. */
    static final int SMALL_ROWS = 64;

    /** out [T, dim] (f32 or BF16) = rmsnorm(x [T, dim] f32) * w [dim] f32; out may be x (f32). */
    void rmsnorm(long out, boolean outBf16, long x, long w, int T, int dim, float eps) {
        if (T == 0) return;
        Kernel kern = rmsnorm[ix(outBf16)];
        if (dim % 4 == 0) {
            aligned16(x, kern, "x");
            aligned16(out, kern, "out");
        }
        // A few rows (decode): 1024 threads, one 16-byte load each for dim 4096, so the single block's
        // latency is one load deep; prefills keep 256 threads a row and many rows in flight.
        int threads = T <= SMALL_ROWS ? Math.min(1024, Math.max(32, (dim / 4 + 31) / 32 * 32)) : 256;
        l.launch(kern, T, 1, 1, threads, 0).ptr(out).ptr(x).ptr(w).i(dim).f(eps).go();
    }

    /** dst [n] BF16 = src [n] f32 (addresses 16-byte aligned for the vector path). */
    void toBf16(long dst, long src, long n) {
        if (n == 0) return;
        aligned16(dst, toBf16, "dst");
        aligned16(src, toBf16, "src");
        l.launch(toBf16, l.blocks((n + 3) / 4, 256, toBf16), 1, 1, 256, 0).ptr(dst).ptr(src).ptr(n).go();
    }

    /**
     * out [T, n] (f32, BF16, or f32 +=) = x [T, k] BF16 · w [n, k]^T BF16, float32 accumulation, by
     * cuBLAS (single rows may go to {@link #gemv} instead, CudaOps decides). Our earlier GEMVs for a
     * decode step's few rows lost to it and were deleted (H200,
     * graph-replayed, L2 flushed, 2026-11-30, BENCHMARKS.md): gemv_v1 (a warp per weight row, 8 loads
     * in flight a lane) at T=1 n=4096 k=14336 0.047 ms against 0.032, T=8 n=28672 k=4096 0.197 against
     * 0.061; gemv_v2 (the same with a double-buffered stream) at T=1 n=6144 k=4096 0.022 against 0.017,
     * n=4096 k=4096 += 0.019 against 0.015, n=4096 k=14336 += 0.053 against 0.033, n=28672 k=4096 0.063
     * against 0.059, n=128256 k=4096 0.235 against 0.238, T=4 n=28672 k=4096 0.122 against 0.057. A
     * warp streaming a whole row is latency-bound where n is small and k long, and its ramp costs what
     * cuBLAS's does at 33-50 MB.
     */
    void matmul(long out, boolean outBf16, boolean accumulate, long x, long w, int T, int n, int k) {
        if (T == 0) return;
        cublas.gemm(l.streamAddress, T, n, k, w, x, out, outBf16, accumulate);
    }

    /**
     * Whether {@link #gemv} (and its fused variants) serves a GEMM of T rows and depth k: one row, k a
     * multiple of 8 up to 4096. Longer rows stay on cuBLAS: the down projection (k = 14336) as four
     * warps a row, each a quarter of it, ran 40.3 us in the 8B step against cuBLAS's 31.8 + 3.8 (its
     * split-K reduction), ncu on an H200, 2026-11-30: every block staged the whole 28 KB x, 57 MB of L2
     * reads for 117 MB of weights.
     */
    static boolean gemvServes(int T, int k) {
        return T == 1 && k % 8 == 0 && k <= 4096;
    }

    /**
     * out [n] (f32, BF16, or f32 +=) = x [k] BF16 · w [n, k]^T BF16 for one row, by gemv_v3: a warp a
     * weight row, the whole row's loads in flight at once (see gemv.cu). k per {@link #gemvServes}.
     */
    void gemv(long out, boolean outBf16, boolean accumulate, long x, long w, int n, int k) {
        Kernel kern = gemv3[cplIndex(k)][accumulate ? 2 : outBf16 ? 0 : 1];
        gemvChecks(kern, x, w);
        l.launch(kern, (n + 7) / 8, 1, 1, 256, k * 2).ptr(out).ptr(x).ptr(w).i(n).i(k).go();
    }

    /**
     * out [hidden] BF16 = silu(g) * u, g|u = x [k] BF16 · w13 [2 * hidden, k]^T, for one row: the MLP's
     * gate/up projection and SwiGLU in one gemv_v3 launch (rows j and hidden + j in one block).
     */
    void gemvSwiglu(long out, long x, long w13, int hidden, int k) {
        Kernel kern = gemvSwiglu[cplIndex(k)];
        gemvChecks(kern, x, w13);
        l.launch(kern, (hidden + 3) / 4, 1, 1, 256, k * 2).ptr(out).ptr(x).ptr(w13).i(hidden).i(k).go();
    }

    /**
     * qkv [(H + 2G) * D] BF16 = rope(x [k] BF16 · wqkv^T) for one row at positions[0], its keys and
     * values also written to the layer's cache blocks kc, vc at slot[0] of sequence seq[0]: a decode
     * step's projection, RoPE and kv_write in one gemv_v3 launch (rows i and i + D/2 of a head in one block).
     */
    void gemvQkv(long qkv, long x, long wqkv, int k, long positions, long invFreq, long kc, long vc, long seq, long slot,
                 int nHeads, int nKvHeads, int headDim, int capacity) {
        Kernel kern = gemvQkv[cplIndex(k)];
        even(headDim, kern, "headDim");
        gemvChecks(kern, x, wqkv);
        int pairs = (nHeads + 2 * nKvHeads) * headDim / 2;
        l.launch(kern, (pairs + 3) / 4, 1, 1, 256, k * 2).ptr(qkv).ptr(x).ptr(wqkv).i(k).ptr(positions).ptr(invFreq)
                .ptr(kc).ptr(vc).ptr(seq).ptr(slot).i(nHeads).i(nKvHeads).i(headDim).i(capacity).go();
    }

    /** The one-warp-a-row gemv_v3 instantiation for depth k: 4, 8 or 16 16-byte chunks a lane. */
    private static int cplIndex(int k) {
        if (!gemvServes(1, k)) throw new CudaException("gemv_v3: k=" + k + " (needs a multiple of 8 up to 4096)");
        int cpl = (k / 8 + 31) / 32;
        return cpl <= 4 ? 0 : cpl <= 8 ? 1 : 2;
    }

    private void gemvChecks(Kernel kern, long x, long w) {
        aligned16(x, kern, "x");
        aligned16(w, kern, "w");
    }

    /** RoPE in place on the first H + G heads of each row of qkv [T, (H + 2G) * D]; positions [T], invFreq [D/2]. */
    void rope(long qkv, boolean bf16, long positions, long invFreq, int T, int nHeads, int nKvHeads, int headDim) {
        if (T == 0) return;
        Kernel kern = rope[ix(bf16)];
        even(headDim, kern, "headDim");
        int block = Math.max(128, headDim / 2);
        int lanes = Math.max(1, block / (headDim / 2));
        int heads = nHeads + nKvHeads;
        int y = T <= SMALL_ROWS ? (heads + lanes - 1) / lanes : 1;   // a few rows: the heads in parallel blocks
        l.launch(kern, T, y, 1, block, 0).ptr(qkv).ptr(positions).ptr(invFreq).i(nHeads + nKvHeads).i(headDim)
                .i((nHeads + 2 * nKvHeads) * headDim).go();
    }

    /** Keys and values of qkv [T, (H + 2G) * D] into the layer blocks kc, vc [batch][G][capacity][D] BF16. */
    void kvWrite(long kc, long vc, long qkv, boolean bf16, long seq, long slot, int T, int nHeads, int nKvHeads,
                 int headDim, int capacity) {
        if (T == 0) return;
        Kernel kern = bf16 && headDim % 8 == 0 ? kvWrite2 : kvWrite[ix(bf16)];
        l.launch(kern, T, 1, 1, 128, 0).ptr(kc).ptr(vc).ptr(qkv).ptr(seq).ptr(slot).i(nHeads).i(nKvHeads).i(headDim)
                .i(capacity).go();
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
     * qkv and out [T, H * D] both f32 or both BF16.
     */
    void attentionPrefill(int version, long out, long qkv, boolean bf16, long kc, long vc, long slot, long tiles,
                          int numTiles, int nHeads, int nKvHeads, int headDim, int capacity) {
        if (numTiles == 0) return;
        if (!prefillSupports(headDim)) {
            throw new CudaException(l.device + ": attention_prefill has no instantiation for head_dim " + headDim
                    + " (16, 32, 64, 128); use the decode kernel");
        }
        if (version != 2 && version != 3) {
            throw new CudaException(l.device + ": attention_prefill has versions 2 and 3, not " + version);
        }
        int di = Integer.numberOfTrailingZeros(headDim) - 4;
        float scaleLog2 = (float) (1.0 / Math.sqrt(headDim) / Math.log(2.0));
        boolean pairs = (nHeads / nKvHeads) % 2 == 0;   // heads of one KV group share its K/V blocks
        Kernel kern;
        int grid, threads, smem;
        if (version == 3 && pairs) {
            int keys = headDim == 128 ? 32 : 64;   // its BNT: keeps D = 128 in registers
            kern = prefill[di][2][ix(bf16)];
            grid = nHeads / 2;
            threads = 128;
            smem = 2 * 2 * keys * (headDim + 8) * 2;
        } else {
            int headsPerBlock = pairs ? 2 : 1;
            kern = prefill[di][pairs ? 1 : 0][ix(bf16)];
            grid = nHeads / headsPerBlock;
            threads = 128 * headsPerBlock;
            smem = 2 * 2 * 64 * (headDim + 8) * 2;
        }
        l.launch(kern, grid, numTiles, 1, threads, smem).ptr(out).ptr(qkv).ptr(kc).ptr(vc).ptr(slot).ptr(tiles)
                .i(nHeads).i(nKvHeads).i(capacity).f(scaleLog2).go();
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
    void attentionDecode(int version, long out, long qkv, boolean bf16, long kc, long vc, long seq, long slot, int T,
                         int nHeads, int nKvHeads, int headDim, int capacity, int maxLen, long partO, long partML) {
        if (T == 0) return;
        int kvMul = nHeads / nKvHeads;
        if (kvMul > DECODE_MAX_KV_MUL || headDim > DECODE_MAX_HEAD_DIM) {
            throw new CudaException(l.device + ": attention_decode supports H/G <= " + DECODE_MAX_KV_MUL
                    + " and head_dim <= " + DECODE_MAX_HEAD_DIM + ", got H/G=" + kvMul + " head_dim=" + headDim);
        }
        if (version != 1 && version != 2) throw new CudaException(l.device + ": attention_decode has no version " + version);
        Kernel kern = decode[version - 1][ix(bf16)];
        even(headDim, kern, "headDim");
        if (version == 2 && !decodeV2Supports(headDim)) {
            throw new CudaException(l.device + ": attention_decode_v2 needs head_dim % 8 == 0, got " + headDim);
        }
        int splits = splits(version, maxLen);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int smem = version == 1 ? 0 : 2 * 128 * (headDim + 8) * 2 + kvMul * (headDim + 128 + 256) * 4;
        l.launch(kern, T, nKvHeads, splits, 128, smem).ptr(partO).ptr(partML).ptr(qkv).ptr(kc).ptr(vc).ptr(seq)
                .ptr(slot).i(nHeads).i(nKvHeads).i(headDim).i(capacity).i(splits).f(scale).go();
        l.launch(combine[ix(bf16)], T, nHeads, (headDim + 31) / 32, 256, splits * 4).ptr(out).ptr(partO).ptr(partML)
                .ptr(slot).i(nHeads).i(headDim).i(splits).i(decodeChunk(version)).go();
    }

    static int splits(int version, int maxLen) {
        int chunk = decodeChunk(version);
        return Math.max(1, (maxLen + chunk - 1) / chunk);
    }

    /** Whether attention_decode_v5 has an instantiation for this shape. */
    static boolean decodeV5Supports(int nHeads, int nKvHeads, int headDim) {
        return (headDim == 32 || headDim == 64 || headDim == 128) && nHeads / nKvHeads <= DECODE_MAX_KV_MUL;
    }

    /**
     * attention_decode_v5 (attention_decode_v5.cu, tensor cores, each warp on its own 16-key tiles): every
     * row's length from slot on the device, the splits merged by the last block of each (row, KV head);
     * partO [T * H * splits * D] and partML [T * H * splits * 2] f32 scratch, counters [T * G] uint32
     * zeroed once; splits = {@link #splits5}.
     */
    void attentionDecode5(long out, long qkv, boolean bf16, long kc, long vc, long seq, long slot, int T, int nHeads,
                          int nKvHeads, int headDim, int capacity, int splits, long partO, long partML, long counters) {
        if (T == 0) return;
        if (!decodeV5Supports(nHeads, nKvHeads, headDim)) {
            throw new CudaException(l.device + ": attention_decode_v5 has no instantiation for H=" + nHeads + " G="
                    + nKvHeads + " head_dim=" + headDim);
        }
        Kernel kern = decode5[Integer.numberOfTrailingZeros(headDim) - 5][ix(bf16)];
        float scaleLog2 = (float) (1.0 / Math.sqrt(headDim) / Math.log(2.0));
        int ring = decode5Ring(headDim);
        // Its merges reuse the ring: [4 warps][H/G][D] floats, then [H/G][splits].
        if ((long) (nHeads / nKvHeads) * Math.max(splits, 4 * headDim) * 4 > ring) {
            throw new CudaException(l.device + ": attention_decode_v5: " + splits + " splits do not fit its merge");
        }
        l.launch(kern, splits, nKvHeads, T, 128, decode5SharedBytes(headDim, smemPerMultiprocessor)).ptr(out).ptr(partO)
                .ptr(partML).ptr(counters).ptr(qkv).ptr(kc).ptr(vc).ptr(seq).ptr(slot).i(nHeads).i(nKvHeads).i(capacity)
                .f(scaleLog2).go();
    }

    /** attention_decode_v5's rings: 4 warps, 3 stages each of 16 K and 16 V rows of D + 8 BF16. */
    static int decode5Ring(int headDim) {
        return 4 * 3 * 2 * 16 * (headDim + 8) * 2;
    }

    /**
     * The shared memory attention_decode_v5 asks for: its ring, and more than half the multiprocessor's
     * so that a multiprocessor never holds two of its blocks. {@link #splits5} sizes the grid for one
     * each; launched programmatically, the blocks land on multiprocessors as the kernel before frees
     * them, and two on one halve their bandwidth (the 8B step over 32K read 6.20 ms against 5.41).
     */
    static int decode5SharedBytes(int headDim, int smemPerMultiprocessor) {
        return Math.max(decode5Ring(headDim), smemPerMultiprocessor / 2 + 1024);
    }

    /**
     * Splits of attention_decode_v5 for T rows: one block a multiprocessor, one wave. Two a
     * multiprocessor (its shared memory allows two) were slower or even (32K keys 42-46 us against
     * 42; D=64 27.1 against 25.8; H200, 2026-11-30): half as many streams into DRAM. Depends only on
     * (T, G), never on the rows' lengths: a captured decode step stays valid as the sequences grow.
     */
    static int splits5(int T, int nKvHeads, int multiprocessors) {
        return Math.max(1, multiprocessors / (T * nKvHeads));
    }

    /** out [T, hidden] = silu(gateUp[:, :hidden]) * gateUp[:, hidden:], both f32 or both BF16. */
    void swiglu(long out, long gateUp, boolean bf16, int T, int hidden) {
        long n = (long) T * hidden;
        if (n == 0) return;
        if (bf16 && hidden % 8 == 0) {
            l.launch(swiglu2, l.blocks(n / 8, 256, swiglu2), 1, 1, 256, 0).ptr(out).ptr(gateUp).i(T).i(hidden).go();
        } else {
            Kernel kern = swiglu[ix(bf16)];
            l.launch(kern, l.blocks(n, 256, kern), 1, 1, 256, 0).ptr(out).ptr(gateUp).i(T).i(hidden).go();
        }
    }

    /** x [T, n] (f32 or BF16) += bias [n] f32 on every row. */
    void addBias(long x, boolean bf16, long bias, int T, int n) {
        long total = (long) T * n;
        if (total == 0) return;
        Kernel kern = addBias[ix(bf16)];
        l.launch(kern, l.blocks(total, 256, kern), 1, 1, 256, 0).ptr(x).ptr(bias).i(T).i(n).go();
    }

    /** Per-head RMSNorm in place of rows x [T, stride] (f32 or BF16): heads at offset + h * D; w [D] f32. */
    void rmsnormHeads(long x, boolean bf16, long w, int T, int stride, int offset, int heads, int headDim, float eps) {
        if (T == 0 || heads == 0) return;
        l.launch(rmsnormHeads[ix(bf16)], T, heads, 1, 32, 0).ptr(x).ptr(w).i(stride).i(offset).i(headDim).f(eps).go();
    }

    /** x [n] += y [n], f32. */
    void add(long x, long y, long n) {
        if (n == 0) return;
        aligned16(x, add, "x");
        aligned16(y, add, "y");
        l.launch(add, l.blocks((n + 3) / 4, 256, add), 1, 1, 256, 0).ptr(x).ptr(y).ptr(n).go();
    }

    /** dst [R, width] f32 = src (f32 or BF16) rows [rows[r] * srcStride + colOffset, + width). */
    void gatherRows(long dst, long src, boolean srcBf16, long rows, int R, int srcStride, int colOffset, int width) {
        if (R == 0 || width == 0) return;
        l.launch(gatherRows[ix(srcBf16)], R, 1, 1, 128, 0).ptr(dst).ptr(src).ptr(rows).i(srcStride).i(colOffset)
                .i(width).go();
    }

    /** out [R] int32 = argmax of each row of logits [R, vocab] f32. */
    void argmax(long out, long logits, int R, int vocab) {
        if (R == 0) return;
        l.launch(argmax, R, 1, 1, 1024, 0).ptr(out).ptr(logits).i(vocab).go();
    }

    /**
     * out [R] int32 = temperature + top-p samples of logits [R, vocab] f32 (sample_top_p.cu); params
     * [3][R] f32 = temperature, topP, uniform of each row, already checked on the host.
     */
    void sampleTopP(long out, long logits, long params, int R, int vocab) {
        if (R == 0) return;
        if (vocab < 1) throw new CudaException(l.device + ": sample_top_p: vocab=" + vocab + " must be >= 1");
        l.launch(sampleTopP, R, 1, 1, 1024, 0).ptr(out).ptr(logits).ptr(params).i(R).i(vocab).go();
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
        even(headDim, importanceLogits, "headDim");
        l.launch(importanceLogits, l.blocks(n, 32, importanceLogits), nKvHeads, 1, 256, smem).ptr(z).ptr(queries)
                .ptr(kc).i(seq).i(n).i(A).i(nHeads).i(nKvHeads).i(headDim).i(capacity)
                .f((float) (1.0 / Math.sqrt(headDim))).go();
        l.launch(importanceSoftmax, nHeads * A, 1, 1, 256, 0).ptr(stats).ptr(z).i(n).go();
        l.launch(importancePoolMax, l.blocks(n, 256, importancePoolMax), A, 1, 256, (256 + poolKernel - 1) * 4)
                .ptr(acc).ptr(z).ptr(stats).i(n).i(A).i(nHeads).i(poolKernel).i(first ? 1 : 0).go();
    }

    /** out [n] = mean over a of acc [A][n], after the last layer. */
    void importanceMean(long out, long acc, int n, int A) {
        if (n == 0) return;
        l.launch(importanceMean, l.blocks(n, 256, importanceMean), 1, 1, 256, 0).ptr(out).ptr(acc).i(n).i(A).go();
    }

    private void even(int v, Kernel kernel, String what) {
        multiple(v, 2, kernel, what);
    }

    private void multiple(int v, int of, Kernel kernel, String what) {
        if (v % of != 0) throw new CudaException(l.device + ": " + kernel.name + ": " + what + "=" + v + " must be a multiple of " + of);
    }

    private void aligned16(long address, Kernel kernel, String what) {
        if (address % 16 != 0) {
            throw new CudaException(l.device + ": " + kernel.name + ": " + what + " address 0x" + Long.toHexString(address)
                    + " is not 16-byte aligned (the kernel uses 16-byte vector accesses)");
        }
    }
}
