package io.specprefill.udf.llama;

import io.specprefill.udf.model.LlamaConfig;

/**
 * Every activation buffer of the forward pass (llama2.c's RunState), sized for a number of rows T
 * and of logit rows R, and re-allocated only when a bigger step arrives; a step of the same or a
 * smaller size allocates nothing. Shapes below are per capacity.
 */
final class RunState implements AutoCloseable {
    private final Backend backend;
    private final LlamaConfig c;
    int rowCap;
    int logitCap;
    Backend.Tensor x;         // [T, dim] residual stream (float32; wo and w2 add into it)
    Backend.Tensor xb;        // [T, dim] normed input of attention / MLP (narrow)
    Backend.Tensor qkv;       // [T, (H + 2G) * D] queries | keys | values (narrow)
    Backend.Tensor att;       // [T, H * D] attention output (narrow)
    Backend.Tensor hb;        // [T, 2 * hiddenDim] gate | up (narrow)
    Backend.Tensor hb2;       // [T, hiddenDim] silu(gate) * up (narrow)
    Backend.Ints tokens;      // [T]
    Backend.Ints positions;   // [T] RoPE positions
    Backend.Ints seq;         // [T] cache sequence of each row
    Backend.Ints slot;        // [T] KV slot of each row
    int[] hostSeq = new int[0];
    int[] hostSlot = new int[0];
    Backend.Tensor picked;    // [R, dim] hidden states of the logit rows
    Backend.Tensor logits;    // [R, vocab]
    Backend.Ints logitRows;   // [R]
    Backend.Ints ids;         // [R] argmax results
    final Logits view;
    int[] decodeStart = new int[0]; // [n + 1] = 0..n for decode steps of n sequences
    int[] decodeSeqs = new int[0];  // [n]

    RunState(Backend backend, LlamaConfig config) {
        this.backend = backend;
        this.c = config;
        this.view = new Logits(backend, config.vocabSize());
    }

    /** Bytes ensureRows adds per row: the buffers below, narrow ones {@code narrowBytes} an element. */
    static long bytesPerRow(LlamaConfig c, int narrowBytes) {
        long narrow = c.dim() + c.qDim() + 2L * c.kvDim() + c.qDim() + 3L * c.hiddenDim();
        return 4L * c.dim() + narrowBytes * narrow + 4L * 4;
    }

    /** Bytes ensureLogitRows adds per logit row. */
    static long bytesPerLogitRow(LlamaConfig c) {
        return 4L * (c.dim() + c.vocabSize()) + 2L * 4;
    }

    /** Bytes the buffers hold now. */
    long bytesHeld(int narrowBytes) {
        return rowCap * bytesPerRow(c, narrowBytes) + logitCap * bytesPerLogitRow(c);
    }

    /** Makes room for T rows. */
    void ensureRows(int T) {
        if (T <= rowCap) return;
        closeRows();
        long t = T;
        x = backend.tensor(t * c.dim());
        xb = backend.narrowTensor(t * c.dim());
        qkv = backend.narrowTensor(t * (c.qDim() + 2L * c.kvDim()));
        att = backend.narrowTensor(t * c.qDim());
        hb = backend.narrowTensor(t * 2L * c.hiddenDim());
        hb2 = backend.narrowTensor(t * c.hiddenDim());
        tokens = backend.ints(T);
        positions = backend.ints(T);
        seq = backend.ints(T);
        slot = backend.ints(T);
        hostSeq = new int[T];
        hostSlot = new int[T];
        rowCap = T;
    }

    /** Makes room for R logit rows. */
    void ensureLogitRows(int R) {
        if (R <= logitCap) return;
        closeLogits();
        picked = backend.tensor((long) R * c.dim());
        logits = backend.tensor((long) R * c.vocabSize());
        logitRows = backend.ints(R);
        ids = backend.ints(R);
        logitCap = R;
    }

    /** The [n + 1] and [n] arrays of a decode step's SeqBatch (re-made only when n changes). */
    void ensureDecode(int n) {
        if (decodeSeqs.length == n) return;
        decodeSeqs = new int[n];
        decodeStart = new int[n + 1];
        for (int i = 0; i <= n; i++) decodeStart[i] = i;
    }

    private void closeRows() {
        if (rowCap == 0) return;
        for (Backend.Tensor b : new Backend.Tensor[]{x, xb, qkv, att, hb, hb2}) b.close();
        for (Backend.Ints b : new Backend.Ints[]{tokens, positions, seq, slot}) b.close();
        rowCap = 0;
    }

    private void closeLogits() {
        if (logitCap == 0) return;
        picked.close();
        logits.close();
        logitRows.close();
        ids.close();
        logitCap = 0;
    }

    @Override
    public void close() {
        closeRows();
        closeLogits();
    }
}
