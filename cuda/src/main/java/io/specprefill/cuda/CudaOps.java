package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.SeqBatch;
import io.specprefill.udf.llama.SampleTopP;
import jcuda.Pointer;

/**
 * The ops of {@link CudaBackend}: checks every handle and shape on the host (device kernels cannot
 * throw, so an out-of-range slot or sequence must be caught here), then calls the launcher.
 * Semantics are Backend's javadoc; shapes below use its letters (T rows, H, G heads, D head size).
 */
final class CudaOps {
    private final CudaBackend b;
    private float[] sampleParams = new float[0];   // [3][R] host staging of sampleTopP, reused

    CudaOps(CudaBackend backend) {
        this.b = backend;
    }

    void embed(Backend.Tensor out, Backend.Weight table, Backend.Ints tokens, int T, int dim) {
        Kernels k = b.kernels();
        Handles.Weight w = (Handles.Weight) Checks.weight(table, table.rows(), dim, Handles.Format.BF16, "embed table");
        Handles.Tensor o = Checks.tensor(out, (long) T * dim, "embed out");
        Handles.Ints t = Checks.ints(tokens, T, "embed tokens");
        k.embed(o.at(0), w.mem.address, t.mem.address, T, dim, Math.toIntExact(w.rows));
    }

    void rmsnorm(Backend.Tensor out, Backend.Tensor x, Backend.Weight w, int T, int dim, float eps) {
        Kernels k = b.kernels();
        Handles.Weight wt = Checks.weight(w, 1, dim, Handles.Format.F32, "rmsnorm w");
        Handles.Tensor o = Checks.tensor(out, (long) T * dim, "rmsnorm out");
        Handles.Tensor in = Checks.tensor(x, (long) T * dim, "rmsnorm x");
        k.rmsnorm(o.at(0), in.at(0), wt.mem.address, T, dim, eps);
    }

    void matmul(Backend.Tensor out, Backend.Tensor x, Backend.Weight w, int T, int n, int k) {
        Kernels kern = b.kernels();
        Handles.Weight wt = Checks.weight(w, n, k, Handles.Format.BF16, "matmul w");
        Handles.Tensor o = Checks.tensor(out, (long) T * n, "matmul out [T=" + T + ", n=" + n + "]");
        Handles.Tensor in = Checks.tensor(x, (long) T * k, "matmul x [T=" + T + ", k=" + k + "]");
        long xBf16 = b.scratch().get("matmul.x", (long) T * k * 2);
        kern.matmul(o.at(0), in.at(0), wt.mem.address, T, n, k, xBf16);
    }

    void rope(Backend.Tensor qkv, Backend.Ints positions, Backend.Tensor invFreq, int T, int nHeads, int nKvHeads,
              int headDim) {
        Kernels k = b.kernels();
        Handles.Tensor q = Checks.tensor(qkv, (long) T * (nHeads + 2 * nKvHeads) * headDim, "rope qkv");
        Handles.Ints p = Checks.ints(positions, T, "rope positions");
        Handles.Tensor f = Checks.tensor(invFreq, headDim / 2, "rope invFreq");
        k.rope(q.at(0), p.mem.address, f.at(0), T, nHeads, nKvHeads, headDim);
    }

    void kvWrite(Backend.KvCache cache, int layer, Backend.Tensor qkv, SeqBatch batch, int nHeads) {
        Kernels k = b.kernels();
        Handles.KvCache c = Checks.cache(cache, layer, "kvWrite");
        int T = batch.tokens();
        Handles.Tensor q = Checks.tensor(qkv, (long) T * (nHeads + 2 * c.nKvHeads) * c.headDim, "kvWrite qkv");
        checkRows(batch, c, "kvWrite");
        k.kvWrite(c.kLayer(layer), c.vLayer(layer), q.at(0), Checks.ints(batch.seq(), T, "kvWrite seq").mem.address,
                Checks.ints(batch.slot(), T, "kvWrite slot").mem.address, T, nHeads, c.nKvHeads, c.headDim, c.capacity);
    }

    /** Every row's sequence and slot inside the cache: a kernel would write out of bounds silently. */
    private static void checkRows(SeqBatch batch, Handles.KvCache c, String op) {
        for (int t = 0; t < batch.tokens(); t++) {
            int s = batch.hostSeq()[t], j = batch.hostSlot()[t];
            if (s < 0 || s >= c.batch || j < 0 || j >= c.capacity) {
                throw new IllegalArgumentException(op + ": row " + t + " has sequence " + s + " slot " + j
                        + ", outside the cache [batch " + c.batch + "][capacity " + c.capacity + "]");
            }
        }
    }

    void attention(Backend.Tensor out, Backend.Tensor qkv, Backend.KvCache cache, int layer, SeqBatch batch,
                   int nHeads, CudaBackend.AttentionPath path) {
        Kernels k = b.kernels();
        Handles.KvCache c = Checks.cache(cache, layer, "attention");
        int T = batch.tokens(), G = c.nKvHeads, D = c.headDim;
        if (nHeads % G != 0) throw new IllegalArgumentException("attention: nHeads=" + nHeads + " not a multiple of G=" + G);
        Handles.Tensor o = Checks.tensor(out, (long) T * nHeads * D, "attention out");
        Handles.Tensor q = Checks.tensor(qkv, (long) T * (nHeads + 2 * G) * D, "attention qkv");
        long seq = Checks.ints(batch.seq(), T, "attention seq").mem.address;
        long slot = Checks.ints(batch.slot(), T, "attention slot").mem.address;
        checkRows(batch, c, "attention");
        AttentionTiles tiles = b.tiles();
        tiles.prepare(batch);
        boolean prefillOk = Kernels.prefillSupports(D);
        if (path == CudaBackend.AttentionPath.PREFILL && !prefillOk) {
            throw new IllegalArgumentException("attention: the prefill kernel does not support head_dim " + D);
        }
        boolean decode = path == CudaBackend.AttentionPath.DECODE
                || (path == CudaBackend.AttentionPath.AUTO && (tiles.allSingleRows() || !prefillOk));
        if (decode) {
            int version = b.decodeVersion == 2 && !Kernels.decodeV2Supports(D) ? 1 : b.decodeVersion;
            int splits = Kernels.splits(version, tiles.maxLen());
            long partO = b.scratch().get("attention.partO", (long) T * nHeads * splits * D * 4);
            long partML = b.scratch().get("attention.partML", (long) T * nHeads * splits * 2 * 4);
            k.attentionDecode(version, o.at(0), q.at(0), c.kLayer(layer), c.vLayer(layer), seq, slot, T, nHeads, G, D,
                    c.capacity, tiles.maxLen(), partO, partML);
        } else if (tiles.numTiles() > 0) {
            k.attentionPrefill(b.prefillVersion, o.at(0), q.at(0), c.kLayer(layer), c.vLayer(layer), slot,
                    tiles.table(), tiles.numTiles(), nHeads, G, D, c.capacity);
        }
    }

    void swiglu(Backend.Tensor out, Backend.Tensor gateUp, int T, int hidden) {
        Kernels k = b.kernels();
        Handles.Tensor o = Checks.tensor(out, (long) T * hidden, "swiglu out");
        Handles.Tensor g = Checks.tensor(gateUp, 2L * T * hidden, "swiglu gateUp");
        k.swiglu(o.at(0), g.at(0), T, hidden);
    }

    void add(Backend.Tensor x, Backend.Tensor y, long n) {
        Kernels k = b.kernels();
        k.add(Checks.tensor(x, n, "add x").at(0), Checks.tensor(y, n, "add y").at(0), n);
    }

    void gatherRows(Backend.Tensor dst, long dstOffset, Backend.Tensor src, Backend.Ints rows, int R, int srcStride,
                    int colOffset, int width) {
        Kernels k = b.kernels();
        // The row indices live on the device and cannot be checked here; the columns of row 0 can.
        // (colOffset may exceed srcStride: QueryRecorder gathers with stride 0 and the offset in colOffset.)
        if (colOffset < 0 || width < 0 || srcStride < 0) {
            throw new IllegalArgumentException("gatherRows: colOffset=" + colOffset + ", width=" + width
                    + ", srcStride=" + srcStride + " must be >= 0");
        }
        Handles.Tensor d = Checks.tensor(dst, dstOffset + (long) R * width, "gatherRows dst");
        Handles.Tensor s = Checks.tensor(src, (long) colOffset + width, "gatherRows src");
        Handles.Ints r = Checks.ints(rows, R, "gatherRows rows");
        k.gatherRows(d.at(dstOffset), s.at(0), r.mem.address, R, srcStride, colOffset, width);
    }

    void argmax(Backend.Ints out, Backend.Tensor logits, int R, int vocab) {
        Kernels k = b.kernels();
        Handles.Ints o = Checks.ints(out, R, "argmax out");
        Handles.Tensor l = Checks.tensor(logits, (long) R * vocab, "argmax logits");
        k.argmax(o.mem.address, l.at(0), R, vocab);
    }

    /** Backend.sampleTopP: the per-row parameters go up as one [3][R] f32 scratch block; only ids stay on the device. */
    void sampleTopP(Backend.Ints out, Backend.Tensor logits, int R, int vocab, float[] temperature, float[] topP,
                    float[] uniforms) {
        Kernels k = b.kernels();
        SampleTopP.check("sampleTopP", R, vocab, temperature, topP, uniforms);
        Handles.Ints o = Checks.ints(out, R, "sampleTopP out");
        Handles.Tensor l = Checks.tensor(logits, (long) R * vocab, "sampleTopP logits [R, vocab]");
        if (R == 0) return;
        if (sampleParams.length < 3 * R) sampleParams = new float[3 * R];
        float[] params = sampleParams;
        System.arraycopy(temperature, 0, params, 0, R);
        System.arraycopy(topP, 0, params, R, R);
        System.arraycopy(uniforms, 0, params, 2 * R, R);
        DeviceMemory p = b.scratch().memory("sampleTopP.params", 3L * R * 4);
        p.upload(0, Pointer.to(params), 3L * R * 4);
        k.sampleTopP(o.mem.address, l.at(0), p.address, R, vocab);
    }

    void importance(Backend.Tensor out, long outOffset, Backend.Tensor queries, Backend.KvCache cache, int seq, int n,
                    int nQueries, int maxQueries, int poolKernel, int nHeads) {
        Kernels k = b.kernels();
        Handles.KvCache c = Checks.cache(cache, 0, "importance");
        int G = c.nKvHeads, D = c.headDim, L = c.layers;
        if (seq < 0 || seq >= c.batch || n < 0 || n > c.capacity || nQueries < 1 || nQueries > maxQueries) {
            throw new IllegalArgumentException("importance: seq=" + seq + " n=" + n + " nQueries=" + nQueries
                    + " maxQueries=" + maxQueries + " for a cache of batch " + c.batch + ", capacity " + c.capacity);
        }
        long qRow = (long) nHeads * D;
        Handles.Tensor q = Checks.tensor(queries, (long) L * c.batch * maxQueries * qRow, "importance queries");
        Handles.Tensor o = Checks.tensor(out, outOffset + n, "importance out");
        long z = b.scratch().get("importance.z", (long) nHeads * nQueries * n * 4);
        long stats = b.scratch().get("importance.stats", (long) nHeads * nQueries * 8);
        long acc = b.scratch().get("importance.acc", (long) nQueries * n * 4);
        for (int l = 0; l < L; l++) {
            long qBase = q.at(((long) l * c.batch + seq) * maxQueries * qRow);
            k.importanceLayer(acc, z, stats, qBase, c.kLayer(l), seq, n, nQueries, nHeads, G, D, c.capacity,
                    poolKernel, l == 0);
        }
        k.importanceMean(o.at(outOffset), acc, n, nQueries);
    }
}
