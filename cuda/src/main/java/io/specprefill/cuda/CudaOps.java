package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.SeqBatch;
import io.specprefill.udf.llama.SampleTopP;
import jcuda.Pointer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ops of {@link CudaBackend}: checks every handle and shape on the host (device kernels cannot
 * throw, so an out-of-range slot or sequence must be caught here), picks the instantiation by the
 * tensors' storage (float32 or BF16) and the attention path, then calls the launchers. Semantics are
 * Backend's javadoc; shapes below use its letters (T rows, H, G heads, D head size). Check messages
 * are constants: details are formatted only when a check fails.
 */
final class CudaOps {
    private static final System.Logger LOG = System.getLogger("io.specprefill.cuda");

    private final Kernels k;
    private final Scratch scratch;
    private final AttentionTiles tiles;
    private final KernelChoice choice;
    private final Cudnn cudnn;   // null when cuDNN is not used (not installed, or not chosen)
    private final int multiprocessors;
    private final Set<List<Integer>> cudnnRefused = new HashSet<>();
    private final CudnnPlanPolicy planPolicy = new CudnnPlanPolicy();
    /** This forward pass's choice, made at its layer 0; null before the first prefill. */
    private Boolean cudnnThisForward;
    private long cudnnSteps, oursForPlanCost;
    private float[] sampleParams = new float[0];   // [3][R] host staging of sampleTopP, reused
    private final Fp8Kernels fp8;

    CudaOps(Kernels kernels, Fp8Kernels fp8, Scratch scratch, AttentionTiles tiles, KernelChoice choice, Cudnn cudnn,
            int multiprocessors) {
        this.k = kernels;
        this.fp8 = fp8;
        this.scratch = scratch;
        this.tiles = tiles;
        this.choice = choice;
        this.cudnn = cudnn;
        this.multiprocessors = multiprocessors;
    }

    void embed(Backend.Tensor out, Backend.Weight table, Backend.Ints tokens, int T, int dim) {
        Handles.Weight w = Checks.weight(table, table.rows(), dim, Handles.Format.BF16, "embed table");
        Handles.Tensor o = f32(Checks.tensor(out, (long) T * dim, "embed out"), "embed out");
        Handles.Ints t = Checks.ints(tokens, T, "embed tokens");
        k.embed(o.at(0), w.mem.address, t.mem.address, T, dim, Math.toIntExact(w.rows));
    }

    void rmsnorm(Backend.Tensor out, Backend.Tensor x, Backend.Weight w, int T, int dim, float eps) {
        Handles.Weight wt = Checks.weight(w, 1, dim, Handles.Format.F32, "rmsnorm w");
        Handles.Tensor o = Checks.tensor(out, (long) T * dim, "rmsnorm out");
        Handles.Tensor in = f32(Checks.tensor(x, (long) T * dim, "rmsnorm x"), "rmsnorm x");
        k.rmsnorm(o.at(0), o.bf16(), in.at(0), wt.mem.address, T, dim, eps);
    }

    void matmul(Backend.Tensor out, Backend.Tensor x, Backend.Weight w, int T, int n, int kk) {
        Handles.Tensor o = Checks.tensor(out, (long) T * n, "matmul out [T, n]");
        gemm(o, false, x, w, T, n, kk, "matmul");
    }

    /**
     * rmsnorm, then for a decode row with BF16 weights and qkv one gemv_v3 launch for the projection,
     * RoPE and the cache write; other steps matmul, rope and kvWrite.
     */
    void attentionInput(Backend.Tensor qkv, Backend.Tensor xb, Backend.Tensor x, Backend.Weight norm,
                        Backend.Weight wqkv, Backend.Ints positions, Backend.Tensor invFreq, Backend.KvCache cache,
                        int layer, SeqBatch batch, int nHeads, int nKvHeads, int headDim, int dim, float eps) {
        int T = batch.tokens(), n = (nHeads + 2 * nKvHeads) * headDim;
        rmsnorm(xb, x, norm, T, dim, eps);
        Handles.Tensor q = Checks.tensor(qkv, (long) T * n, "attentionInput qkv");
        Handles.Tensor in = Checks.tensor(xb, (long) T * dim, "attentionInput xb");
        if (fusesGemv(T, dim, wqkv) && headDim % 2 == 0 && q.bf16() && in.bf16()) {
            Handles.KvCache c = Checks.cache(cache, layer, "attentionInput");
            if (c.nKvHeads != nKvHeads || c.headDim != headDim) {
                throw new IllegalArgumentException("attentionInput: the cache has " + c.nKvHeads + " KV heads of "
                        + c.headDim + ", the layer " + nKvHeads + " of " + headDim);
            }
            checkRows(batch, c, "attentionInput");
            Handles.Weight wt = Checks.weight(wqkv, n, dim, Handles.Format.BF16, "attentionInput wqkv");
            Handles.Tensor f = f32(Checks.tensor(invFreq, headDim / 2, "attentionInput invFreq"), "attentionInput invFreq");
            long pos = Checks.ints(positions, 1, "attentionInput positions").mem.address;
            long seq = Checks.ints(batch.seq(), 1, "attentionInput seq").mem.address;
            long slot = Checks.ints(batch.slot(), 1, "attentionInput slot").mem.address;
            k.gemvQkv(q.at(0), in.at(0), wt.mem.address, dim, pos, f.at(0), c.kLayer(layer), c.vLayer(layer), seq, slot,
                    nHeads, nKvHeads, headDim, c.capacity);
            return;
        }
        matmul(qkv, xb, wqkv, T, n, dim);
        rope(qkv, positions, invFreq, T, nHeads, nKvHeads, headDim);
        kvWrite(cache, layer, qkv, batch, nHeads);
    }

    /** rmsnorm, then for a decode row into BF16 one gemv_v3 launch for w13 and SwiGLU; else matmul, swiglu. */
    void rmsnormGateUp(Backend.Tensor out, Backend.Tensor gateUp, Backend.Tensor xb, Backend.Tensor x,
                       Backend.Weight norm, Backend.Weight w13, int T, int hidden, int dim, float eps) {
        rmsnorm(xb, x, norm, T, dim, eps);
        Handles.Tensor o = Checks.tensor(out, (long) T * hidden, "rmsnormGateUp out");
        Handles.Tensor in = Checks.tensor(xb, (long) T * dim, "rmsnormGateUp xb");
        if (fusesGemv(T, dim, w13) && o.bf16() && in.bf16()) {
            Handles.Weight wt = Checks.weight(w13, 2 * hidden, dim, Handles.Format.BF16, "rmsnormGateUp w13");
            k.gemvSwiglu(o.at(0), in.at(0), wt.mem.address, hidden, dim);
            return;
        }
        matmul(gateUp, xb, w13, T, 2 * hidden, dim);
        swiglu(out, gateUp, T, hidden);
    }

    /** Whether a projection of T rows can run as a fused gemv_v3: one row, a BF16 weight, k it serves. */
    private boolean fusesGemv(int T, int kk, Backend.Weight w) {
        return choice.gemvVersion == 3 && Kernels.gemvServes(T, kk) && w instanceof Handles.Weight
                && ((Handles.Weight) w).format == Handles.Format.BF16;
    }

    void matmulAdd(Backend.Tensor x, Backend.Tensor in, Backend.Weight w, int T, int n, int kk) {
        Handles.Tensor o = f32(Checks.tensor(x, (long) T * n, "matmulAdd x [T, n]"), "matmulAdd x");
        gemm(o, true, in, w, T, n, kk, "matmulAdd");
    }

    /**
     * out (+)= x · w^T; a float32 x is cast to BF16 in scratch first (the GEMM's operands are BF16).
     * An FP8 weight makes it the W8A8 GEMM of {@link Fp8Kernels} (x, f32 or BF16, quantised per token).
     */
    private void gemm(Handles.Tensor o, boolean accumulate, Backend.Tensor x, Backend.Weight w, int T, int n, int kk,
                      String op) {
        Handles.Tensor in = Checks.tensor(x, (long) T * kk, op + " x [T, k]");
        if (w instanceof Handles.Weight && ((Handles.Weight) w).format == Handles.Format.FP8) {
            Handles.Weight wt = Checks.weight(w, n, kk, Handles.Format.FP8, op + " w");
            fp8.matmul(choice.fp8GemmVersion, o.at(0), o.bf16(), accumulate, in.at(0), in.bf16(), wt.mem.address,
                    wt.scales.address, T, n, kk);
            return;
        }
        Handles.Weight wt = Checks.weight(w, n, kk, Handles.Format.BF16, op + " w");
        long xBf16 = in.at(0);
        if (!in.bf16()) {
            xBf16 = scratch.get("matmul.x", (long) T * kk * 2);
            k.toBf16(xBf16, in.at(0), (long) T * kk);
        }
        if (choice.gemvVersion == 3 && Kernels.gemvServes(T, kk)) {   // a decode row: gemv_v3, see KernelChoice
            k.gemv(o.at(0), o.bf16(), accumulate, xBf16, wt.mem.address, n, kk);
        } else {
            k.matmul(o.at(0), o.bf16(), accumulate, xBf16, wt.mem.address, T, n, kk);
        }
    }

    void rope(Backend.Tensor qkv, Backend.Ints positions, Backend.Tensor invFreq, int T, int nHeads, int nKvHeads,
              int headDim) {
        Handles.Tensor q = Checks.tensor(qkv, (long) T * (nHeads + 2 * nKvHeads) * headDim, "rope qkv");
        Handles.Ints p = Checks.ints(positions, T, "rope positions");
        Handles.Tensor f = f32(Checks.tensor(invFreq, headDim / 2, "rope invFreq"), "rope invFreq");
        k.rope(q.at(0), q.bf16(), p.mem.address, f.at(0), T, nHeads, nKvHeads, headDim);
    }

    void kvWrite(Backend.KvCache cache, int layer, Backend.Tensor qkv, SeqBatch batch, int nHeads) {
        Handles.KvCache c = Checks.cache(cache, layer, "kvWrite");
        int T = batch.tokens();
        Handles.Tensor q = Checks.tensor(qkv, (long) T * (nHeads + 2 * c.nKvHeads) * c.headDim, "kvWrite qkv");
        checkRows(batch, c, "kvWrite");
        k.kvWrite(c.kLayer(layer), c.vLayer(layer), q.at(0), q.bf16(), Checks.ints(batch.seq(), T, "kvWrite seq").mem.address,
                Checks.ints(batch.slot(), T, "kvWrite slot").mem.address, T, nHeads, c.nKvHeads, c.headDim, c.capacity);
    }

    /** Every row's sequence and slot inside the cache: a kernel would write out of bounds silently. */
    private static void checkRows(SeqBatch batch, Handles.KvCache c, String op) {
        int[] seq = batch.hostSeq(), slot = batch.hostSlot();
        for (int t = 0; t < batch.tokens(); t++) {
            int s = seq[t], j = slot[t];
            if (s < 0 || s >= c.batch || j < 0 || j >= c.capacity) {
                throw new IllegalArgumentException(op + ": row " + t + " has sequence " + s + " slot " + j
                        + ", outside the cache [batch " + c.batch + "][capacity " + c.capacity + "]");
            }
        }
    }

    void attention(Backend.Tensor out, Backend.Tensor qkv, Backend.KvCache cache, int layer, SeqBatch batch,
                   int nHeads) {
        Handles.KvCache c = Checks.cache(cache, layer, "attention");
        int T = batch.tokens(), G = c.nKvHeads, D = c.headDim;
        if (nHeads % G != 0) throw new IllegalArgumentException("attention: nHeads=" + nHeads + " not a multiple of G=" + G);
        Handles.Tensor o = Checks.tensor(out, (long) T * nHeads * D, "attention out");
        Handles.Tensor q = Checks.tensor(qkv, (long) T * (nHeads + 2 * G) * D, "attention qkv");
        if (o.elem != q.elem) {
            throw new IllegalArgumentException("attention: qkv is " + q.elem + " but out is " + o.elem + "; both must match");
        }
        long seq = Checks.ints(batch.seq(), T, "attention seq").mem.address;
        long slot = Checks.ints(batch.slot(), T, "attention slot").mem.address;
        checkRows(batch, c, "attention");
        tiles.prepare(batch);
        boolean prefillOk = Kernels.prefillSupports(D);
        KernelChoice.Path path = choice.path;
        if (path == KernelChoice.Path.PREFILL && !prefillOk) {
            throw new IllegalArgumentException("attention: the prefill kernel does not support head_dim " + D);
        }
        boolean decode = path == KernelChoice.Path.DECODE
                || (path == KernelChoice.Path.AUTO && (tiles.allSingleRows() || !prefillOk));
        if (decode) {
            decode(o, q, c, layer, seq, slot, T, nHeads);
        } else if (T > 0) {
            if (!cudnnPrefill(o, q, c, layer, nHeads)) {
                k.attentionPrefill(choice.prefillVersion, o.at(0), q.at(0), q.bf16(), c.kLayer(layer), c.vLayer(layer),
                        slot, tiles.table(), tiles.numTiles(), nHeads, G, D, c.capacity);
            }
        }
    }

    private void decode(Handles.Tensor o, Handles.Tensor q, Handles.KvCache c, int layer, long seq, long slot, int T,
                        int nHeads) {
        int G = c.nKvHeads, D = c.headDim;
        if (choice.decodeVersion >= 5 && Kernels.decodeV5Supports(nHeads, G, D)) {
            int splits = Kernels.splits5(T, G, multiprocessors);
            long partO = scratch.get("attention.partO", (long) T * nHeads * splits * D * 4);
            long partML = scratch.get("attention.partML", (long) T * nHeads * splits * 2 * 4);
            long counters = scratch.zeroed("attention.counters", (long) T * G * 4);
            k.attentionDecode5(o.at(0), q.at(0), q.bf16(), c.kLayer(layer), c.vLayer(layer), seq, slot, T, nHeads, G, D,
                    c.capacity, splits, partO, partML, counters);
            return;
        }
        int version = choice.decodeVersion >= 2 && Kernels.decodeV2Supports(D) ? 2 : 1;
        // Splits by capacity, not by the rows' lengths: the launch does not depend on host data that
        // changes from step to step, so a captured decode step replays correctly (empty splits exit).
        int splits = Kernels.splits(version, c.capacity);
        long partO = scratch.get("attention.partO", (long) T * nHeads * splits * D * 4);
        long partML = scratch.get("attention.partML", (long) T * nHeads * splits * 2 * 4);
        k.attentionDecode(version, o.at(0), q.at(0), q.bf16(), c.kLayer(layer), c.vLayer(layer), seq, slot, T, nHeads, G,
                D, c.capacity, c.capacity, partO, partML);
    }

    /**
     * cuDNN's fused causal attention, one call per sequence, when the choice allows it, cuDNN is
     * loaded, q and out are BF16, and every sequence is a fresh prefill (its rows at slots 0..len-1:
     * plain causal attention over its own rows). A shape cuDNN refuses is logged once and served by
     * attention_prefill from then on. Returns false when our kernel must run.
     */
    private boolean cudnnPrefill(Handles.Tensor o, Handles.Tensor q, Handles.KvCache c, int layer, int nHeads) {
        int G = c.nKvHeads, D = c.headDim;
        if (cudnn == null || !choice.cudnn || !q.bf16() || !tiles.allFresh() || D % 8 != 0 || D > 256) return false;
        int qRow = (nHeads + 2 * G) * D, oRow = nHeads * D;
        long kvHead = (long) c.capacity * D;
        for (int i = 0; i < tiles.sequences(); i++) {
            if (cudnnRefused.contains(List.of(nHeads, G, D, tiles.length(i)))) return false;
        }
        // Decided once per forward pass (at its first layer), so that every layer of a prefill runs the
        // same kernel and the plans bought at layer 0 serve the rest.
        if (layer == 0 || cudnnThisForward == null) cudnnThisForward = cudnnPays(c, nHeads, qRow, oRow, kvHead);
        if (!cudnnThisForward) return false;
        float scale = (float) (1.0 / Math.sqrt(D));
        for (int i = 0; i < tiles.sequences(); i++) {
            int len = tiles.length(i);
            Cudnn.Plan plan;
            try {
                plan = cudnn.plan(nHeads, G, len, D, qRow, oRow, kvHead, choice.cudnnDynamicShapes);
            } catch (CudaException e) {
                if (i > 0) throw e;   // earlier sequences already ran: not a clean switch
                cudnnRefused.add(List.of(nHeads, G, D, len));
                LOG.log(System.Logger.Level.WARNING, "cuDNN refused causal attention H=" + nHeads + " G=" + G + " D=" + D
                        + " S=" + len + ", attention_prefill serves this shape: " + e.getMessage());
                return false;
            }
            long ws = plan.workspaceBytes() > 0 ? scratch.get("cudnn.workspace", plan.workspaceBytes()) : 0;
            long kvOff = (long) tiles.cacheSequence(i) * G * kvHead * 2;
            cudnn.sdpa(plan, q.at((long) tiles.start(i) * qRow), c.kLayer(layer) + kvOff, c.vLayer(layer) + kvOff,
                    o.at((long) tiles.start(i) * oRow), ws, scale);
        }
        return true;
    }

    /** Whether cuDNN serves this step's prefills, plans included (CudnnPlanPolicy decides). */
    private boolean cudnnPays(Handles.KvCache c, int nHeads, int qRow, int oRow, long kvHead) {
        int n = tiles.sequences(), G = c.nKvHeads, D = c.headDim;
        List<List<Long>> keys = new ArrayList<>(n);
        double[] saved = new double[n];
        boolean[] planned = new boolean[n];
        for (int i = 0; i < n; i++) {
            int len = tiles.length(i);
            keys.add(Cudnn.key(nHeads, G, len, D, qRow, oRow, kvHead));
            planned[i] = cudnn.hasPlan(keys.get(i));
            saved[i] = CudnnPlanPolicy.attentionMillis(true, nHeads, D, len, c.layers)
                    - CudnnPlanPolicy.attentionMillis(false, nHeads, D, len, c.layers);
        }
        boolean use = planPolicy.useCudnn(choice.cudnnPlans, keys, saved, planned, cudnn.buildTimes().price());
        if (use) cudnnSteps++;
        else oursForPlanCost++;
        return use;
    }

    /** Steps of fresh prefills served by cuDNN, and by our kernel because a plan would not pay (logs, tests). */
    long[] cudnnChoices() {
        return new long[]{cudnnSteps, oursForPlanCost};
    }

    void swiglu(Backend.Tensor out, Backend.Tensor gateUp, int T, int hidden) {
        Handles.Tensor o = Checks.tensor(out, (long) T * hidden, "swiglu out");
        Handles.Tensor g = Checks.tensor(gateUp, 2L * T * hidden, "swiglu gateUp");
        if (o.elem != g.elem) {
            throw new IllegalArgumentException("swiglu: gateUp is " + g.elem + " but out is " + o.elem + "; both must match");
        }
        k.swiglu(o.at(0), g.at(0), g.bf16(), T, hidden);
    }

    void add(Backend.Tensor x, Backend.Tensor y, long n) {
        k.add(f32(Checks.tensor(x, n, "add x"), "add x").at(0), f32(Checks.tensor(y, n, "add y"), "add y").at(0), n);
    }

    void addBias(Backend.Tensor x, Backend.Weight bias, int T, int n) {
        Handles.Weight b = Checks.weight(bias, 1, n, Handles.Format.F32, "addBias bias");
        Handles.Tensor t = Checks.tensor(x, (long) T * n, "addBias x [T, n]");
        k.addBias(t.at(0), t.bf16(), b.mem.address, T, n);
    }

    void rmsnormHeads(Backend.Tensor x, Backend.Weight w, int T, int stride, int offset, int heads, int headDim, float eps) {
        if (offset < 0 || heads < 0 || headDim < 1 || (long) offset + (long) heads * headDim > stride) {
            throw new IllegalArgumentException("rmsnormHeads: offset " + offset + " + " + heads + " heads x " + headDim
                    + " does not fit rows of " + stride);
        }
        Handles.Weight wt = Checks.weight(w, 1, headDim, Handles.Format.F32, "rmsnormHeads w");
        Handles.Tensor t = Checks.tensor(x, (long) T * stride, "rmsnormHeads x [T, stride]");
        k.rmsnormHeads(t.at(0), t.bf16(), wt.mem.address, T, stride, offset, heads, headDim, eps);
    }

    void gatherRows(Backend.Tensor dst, long dstOffset, Backend.Tensor src, Backend.Ints rows, int R, int srcStride,
                    int colOffset, int width) {
        // The row indices live on the device and cannot be checked here; the columns of row 0 can.
        // (colOffset may exceed srcStride: QueryRecorder gathers with stride 0 and the offset in colOffset.)
        if (colOffset < 0 || width < 0 || srcStride < 0) {
            throw new IllegalArgumentException("gatherRows: colOffset=" + colOffset + ", width=" + width
                    + ", srcStride=" + srcStride + " must be >= 0");
        }
        Handles.Tensor d = f32(Checks.tensor(dst, dstOffset + (long) R * width, "gatherRows dst"), "gatherRows dst");
        Handles.Tensor s = Checks.tensor(src, (long) colOffset + width, "gatherRows src");
        Handles.Ints r = Checks.ints(rows, R, "gatherRows rows");
        k.gatherRows(d.at(dstOffset), s.at(0), s.bf16(), r.mem.address, R, srcStride, colOffset, width);
    }

    void argmax(Backend.Ints out, Backend.Tensor logits, int R, int vocab) {
        Handles.Ints o = Checks.ints(out, R, "argmax out");
        Handles.Tensor l = f32(Checks.tensor(logits, (long) R * vocab, "argmax logits"), "argmax logits");
        k.argmax(o.mem.address, l.at(0), R, vocab);
    }

    /** Backend.sampleTopP: the per-row parameters go up as one [3][R] f32 scratch block; only ids stay on the device. */
    void sampleTopP(Backend.Ints out, Backend.Tensor logits, int R, int vocab, float[] temperature, float[] topP,
                    float[] uniforms) {
        SampleTopP.check("sampleTopP", R, vocab, temperature, topP, uniforms);
        Handles.Ints o = Checks.ints(out, R, "sampleTopP out");
        Handles.Tensor l = f32(Checks.tensor(logits, (long) R * vocab, "sampleTopP logits [R, vocab]"), "sampleTopP logits");
        if (R == 0) return;
        if (sampleParams.length < 3 * R) sampleParams = new float[3 * R];
        float[] params = sampleParams;
        System.arraycopy(temperature, 0, params, 0, R);
        System.arraycopy(topP, 0, params, R, R);
        System.arraycopy(uniforms, 0, params, 2 * R, R);
        DeviceMemory p = scratch.memory("sampleTopP.params", 3L * R * 4);
        p.upload(0, Pointer.to(params), 3L * R * 4);
        k.sampleTopP(o.mem.address, l.at(0), p.address, R, vocab);
    }

    void importance(Backend.Tensor out, long outOffset, Backend.Tensor queries, Backend.KvCache cache, int seq, int n,
                    int nQueries, int maxQueries, int poolKernel, int nHeads) {
        Handles.KvCache c = Checks.cache(cache, 0, "importance");
        int G = c.nKvHeads, D = c.headDim, L = c.layers;
        if (seq < 0 || seq >= c.batch || n < 0 || n > c.capacity || nQueries < 1 || nQueries > maxQueries) {
            throw new IllegalArgumentException("importance: seq=" + seq + " n=" + n + " nQueries=" + nQueries
                    + " maxQueries=" + maxQueries + " for a cache of batch " + c.batch + ", capacity " + c.capacity);
        }
        long qRow = (long) nHeads * D;
        Handles.Tensor q = f32(Checks.tensor(queries, (long) L * c.batch * maxQueries * qRow, "importance queries"),
                "importance queries");
        Handles.Tensor o = f32(Checks.tensor(out, outOffset + n, "importance out"), "importance out");
        long z = scratch.get("importance.z", (long) nHeads * nQueries * n * 4);
        long stats = scratch.get("importance.stats", (long) nHeads * nQueries * 8);
        long acc = scratch.get("importance.acc", (long) nQueries * n * 4);
        for (int l = 0; l < L; l++) {
            long qBase = q.at(((long) l * c.batch + seq) * maxQueries * qRow);
            k.importanceLayer(acc, z, stats, qBase, c.kLayer(l), seq, n, nQueries, nHeads, G, D, c.capacity,
                    poolKernel, l == 0);
        }
        k.importanceMean(o.at(outOffset), acc, n, nQueries);
    }

    /** Ops whose kernels read or write float32 only (the residual stream, logits, norms, queries). */
    private static Handles.Tensor f32(Handles.Tensor t, String what) {
        if (t.bf16()) {
            throw new IllegalArgumentException(what + ": a BF16 (narrow) tensor where this op needs a float32 one");
        }
        return t;
    }
}
