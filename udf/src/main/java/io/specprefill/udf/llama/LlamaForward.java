package io.specprefill.udf.llama;

import io.specprefill.udf.model.LlamaConfig;

/**
 * The Llama forward pass, written once against {@link Backend} (llama2.c's {@code forward}, over a
 * packed batch of rows), with the attention extras of Qwen2 (q/k/v biases) and Qwen3 (per-head
 * RMSNorm of q and k before RoPE) where the model's architecture has them. Two entry points:
 * <ul>
 *   <li>{@link #prefill}: B' sequences of any lengths, explicit RoPE positions per token (gaps
 *       allowed), each appending to its own slots of a {@link Backend.KvCache};</li>
 *   <li>{@link #decodeStep}: one token per sequence at an explicit position and slot.</li>
 * </ul>
 * The LM head runs only on the chosen rows (default: the last row of each sequence). A
 * {@link LayerHook} sees the post-RoPE queries and keys of every layer. One instance owns one
 * {@link RunState}: not thread-safe; several instances may share a {@link LlamaModel}.
 */
public final class LlamaForward implements AutoCloseable {
    private final LlamaModel m;
    private final LlamaConfig c;
    private final Backend b;
    private final RunState s;

    public LlamaForward(LlamaModel model) {
        this.m = model;
        this.c = model.config;
        this.b = model.backend;
        this.s = new RunState(b, c);
    }

    public LlamaModel model() {
        return m;
    }

    /** Bytes of activation buffers this forward holds now (they are reused by the next step). */
    public long activationBytesHeld() {
        return s.bytesHeld(b.narrowBytes());
    }

    /** Bytes of activations a step of {@code rows} rows and {@code logitRows} logit rows needs. */
    public long activationBytes(long rows, long logitRows) {
        return rows * RunState.bytesPerRow(c, b.narrowBytes()) + logitRows * RunState.bytesPerLogitRow(c);
    }

    /**
     * Sizes the run state for steps of up to {@code rows} rows and {@code logitRows} logit rows now,
     * so that the first big step does not allocate (useful to fail early on device memory).
     */
    public void reserve(int rows, int logitRows) {
        if (rows < 1 || logitRows < 1) throw new IllegalArgumentException("reserve: rows=" + rows + ", logitRows=" + logitRows + " must be >= 1");
        s.ensureRows(rows);
        s.ensureLogitRows(logitRows);
    }

    /** A KV cache for this model: {@code batch} sequences of {@code capacity} slots, every layer. */
    public Backend.KvCache newCache(int batch, int capacity) {
        return b.kvCache(c.nLayers(), batch, capacity, c.nKvHeads(), c.headDim());
    }

    /** Prefill with logits at the last row of each sequence and no hook. */
    public Logits prefill(Backend.KvCache cache, Batch batch) {
        return prefill(cache, batch, batch.lastRows(), LayerHook.NONE);
    }

    /**
     * Runs the rows of {@code batch} through every layer, writing their keys and values to the
     * cache, and returns logits [logitRows.length, vocab] for the given rows of the step (indices
     * into the packed rows; all rows for full logits).
     */
    public Logits prefill(Backend.KvCache cache, Batch batch, int[] logitRows, LayerHook hook) {
        int T = batch.rows();
        checkCache(cache);
        s.ensureRows(T);
        for (int i = 0; i < batch.sequences(); i++) {
            int seq = batch.seq(i);
            int first = batch.firstSlot[i];
            int len = batch.end(i) - batch.start(i);
            checkSlots(cache, seq, first, len);
            for (int t = batch.start(i); t < batch.end(i); t++) {
                s.hostSeq[t] = seq;
                s.hostSlot[t] = first + (t - batch.start(i));
            }
        }
        checkTokens(batch.tokens, T);
        for (int r : logitRows) {
            if (r < 0 || r >= T) throw new IllegalArgumentException("prefill: logit row " + r + " outside the step's " + T + " rows");
        }
        b.write(s.tokens, batch.tokens, T);
        b.write(s.positions, batch.positions, T);
        SeqBatch sb = upload(cache, T, batch.seqStart, batch.seqIndex);
        layers(cache, sb, T, hook);
        return head(logitRows, logitRows.length);
    }

    /**
     * One decode step for n sequences: row i feeds tokens[i] at RoPE position positions[i] into KV
     * slot slots[i] of cache sequence seqs[i] (design.md 5: generated token i of a prompt of N tokens,
     * K kept, goes to position N + i, slot K + i). Returns logits [n, vocab], row i for sequence i.
     */
    public Logits decodeStep(Backend.KvCache cache, int n, int[] seqs, int[] tokens, int[] positions, int[] slots,
                             LayerHook hook) {
        if (n < 1) throw new IllegalArgumentException("decodeStep: n=" + n + " sequences, need >= 1");
        checkCache(cache);
        s.ensureRows(n);
        s.ensureDecode(n);
        for (int i = 0; i < n; i++) {
            checkSlots(cache, seqs[i], slots[i], 1);
            if (positions[i] < 0) throw new IllegalArgumentException("decodeStep: row " + i + " position " + positions[i] + " < 0");
            for (int j = 0; j < i; j++) {
                if (seqs[j] == seqs[i]) throw new IllegalArgumentException("decodeStep: cache sequence " + seqs[i] + " appears twice");
            }
            s.hostSeq[i] = seqs[i];
            s.hostSlot[i] = slots[i];
            s.decodeSeqs[i] = seqs[i];
        }
        checkTokens(tokens, n);
        b.write(s.tokens, tokens, n);
        b.write(s.positions, positions, n);
        SeqBatch sb = upload(cache, n, s.decodeStart, s.decodeSeqs);
        s.ensureLogitRows(n);
        if (hook == LayerHook.NONE) {
            // Everything that changes from step to step is in the buffers just written: the backend may
            // replay a recording of this step (a hook records host-chosen rows, so it runs plainly).
            b.replay(new DecodeKey(this, cache, n), () -> {
                layers(cache, sb, n, LayerHook.NONE);
                headOps(null, n);
            });
        } else {
            layers(cache, sb, n, hook);
            headOps(null, n);
        }
        s.view.reset(s.logits, s.ids, n);
        return s.view;
    }

    /** What makes two decode steps the same recording: this forward's buffers, the cache, the rows. */
    private record DecodeKey(LlamaForward forward, Backend.KvCache cache, int n) {
    }

    /** Every layer over T rows: x = embed(tokens); x += attn(norm(x)); x += mlp(norm(x)). */
    private void layers(Backend.KvCache cache, SeqBatch sb, int T, LayerHook hook) {
        int dim = c.dim();
        int H = c.nHeads();
        int G = c.nKvHeads();
        int D = c.headDim();
        int hidden = c.hiddenDim();
        int qkvDim = (H + 2 * G) * D;
        float eps = c.rmsNormEps();
        b.embed(s.x, m.embedding, s.tokens, T, dim);
        for (int l = 0; l < c.nLayers(); l++) {
            // attention: x += wo(attention(rope(wqkv(rmsnorm(x)))))
            if (m.bqkv == null && m.qNorm == null) {   // Llama: norm, projection, RoPE and cache write, one op
                b.attentionInput(s.qkv, s.xb, s.x, m.attnNorm[l], m.wqkv[l], s.positions, m.invFreq, cache, l, sb, H, G,
                        D, dim, eps);
                hook.afterRope(l, s.qkv, T);
            } else {
                b.rmsnorm(s.xb, s.x, m.attnNorm[l], T, dim, eps);
                b.matmul(s.qkv, s.xb, m.wqkv[l], T, qkvDim, dim);
                if (m.bqkv != null) b.addBias(s.qkv, m.bqkv[l], T, qkvDim); // Qwen2: q/k/v_proj(x) = x W^T + b
                if (m.qNorm != null) { // Qwen3: q_norm(q.view(T, H, D)), k_norm(k.view(T, G, D)) before RoPE
                    b.rmsnormHeads(s.qkv, m.qNorm[l], T, qkvDim, 0, H, D, eps);
                    b.rmsnormHeads(s.qkv, m.kNorm[l], T, qkvDim, H * D, G, D, eps);
                }
                b.rope(s.qkv, s.positions, m.invFreq, T, H, G, D);
                hook.afterRope(l, s.qkv, T);
                b.kvWrite(cache, l, s.qkv, sb, H);
            }
            b.attention(s.att, s.qkv, cache, l, sb, H);
            b.matmulAdd(s.x, s.att, m.wo[l], T, dim, H * D);
            if (m.bo != null) b.addBias(s.x, m.bo[l], T, dim); // attention_bias: o_proj's bias, added after its product
            // MLP: x += w2(silu(w1(xn)) * w3(xn)), xn = rmsnorm(x)
            b.rmsnormGateUp(s.hb2, s.hb, s.xb, s.x, m.ffnNorm[l], m.w13[l], T, hidden, dim, eps);
            b.matmulAdd(s.x, s.hb2, m.w2[l], T, dim, hidden);
        }
    }

    /** Final norm and LM head on R rows: the given rows of x, or rows 0..R-1 when rows is null. */
    private Logits head(int[] rows, int R) {
        s.ensureLogitRows(R);
        headOps(rows, R);
        s.view.reset(s.logits, s.ids, R);
        return s.view;
    }

    private void headOps(int[] rows, int R) {
        int dim = c.dim();
        if (rows == null) {
            b.rmsnorm(s.picked, s.x, m.finalNorm, R, dim, c.rmsNormEps());
        } else {
            b.write(s.logitRows, rows, R);
            b.gatherRows(s.picked, 0, s.x, s.logitRows, R, dim, 0, dim);
            b.rmsnorm(s.picked, s.picked, m.finalNorm, R, dim, c.rmsNormEps());
        }
        b.matmul(s.logits, s.picked, m.lmHead, R, c.vocabSize(), dim);
    }

    /** Copies the row-to-(sequence, slot) maps to the backend. */
    private SeqBatch upload(Backend.KvCache cache, int T, int[] seqStart, int[] seqIndex) {
        b.write(s.seq, s.hostSeq, T);
        b.write(s.slot, s.hostSlot, T);
        return new SeqBatch(cache.batch(), T, seqStart, seqIndex, s.hostSeq, s.hostSlot, s.seq, s.slot);
    }

    private void checkCache(Backend.KvCache cache) {
        if (cache.layers() != c.nLayers() || cache.nKvHeads() != c.nKvHeads() || cache.headDim() != c.headDim()) {
            throw new IllegalArgumentException("KV cache of " + cache.layers() + " layers x " + cache.nKvHeads()
                    + " KV heads x " + cache.headDim() + " does not fit the model (" + c.nLayers() + " x "
                    + c.nKvHeads() + " x " + c.headDim() + ")");
        }
    }

    private static void checkSlots(Backend.KvCache cache, int seq, int first, int len) {
        if (seq < 0 || seq >= cache.batch()) {
            throw new IllegalArgumentException("cache sequence " + seq + " outside the KV cache's batch of " + cache.batch());
        }
        if (first < 0 || (long) first + len > cache.capacity()) {
            throw new IllegalArgumentException("sequence " + seq + ": KV slots [" + first + ", " + ((long) first + len)
                    + ") exceed the KV cache capacity " + cache.capacity());
        }
    }

    private void checkTokens(int[] tokens, int T) {
        for (int t = 0; t < T; t++) {
            if (tokens[t] < 0 || tokens[t] >= c.vocabSize()) {
                throw new IllegalArgumentException("token " + tokens[t] + " at row " + t + " is outside the vocabulary [0, "
                        + c.vocabSize() + ")");
            }
        }
    }

    @Override
    public void close() {
        s.close();
    }
}
