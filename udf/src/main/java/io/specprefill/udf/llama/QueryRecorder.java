package io.specprefill.udf.llama;

import io.specprefill.udf.model.LlamaConfig;

/**
 * Records the post-RoPE query of chosen rows, in every layer, into a backend tensor laid out
 * [layers][batch][maxQueries][H * D]: exactly what {@link Backend#importance} reads. A recorded
 * query is addressed by (cache sequence, query index a &lt; maxQueries).
 *
 * <p>Use (design.md 4, steps 1-2): before each forward step, {@link #clear()} and then
 * {@link #record} which row of that step goes to which (seq, a), and pass the recorder as the
 * step's {@link LayerHook}:
 * <pre>
 *   rec.clear(); rec.record(lastRowOfSeq, seq, 0);       forward.prefill(cache, batch, rows, rec);
 *   rec.clear(); rec.record(i, seqOfRow[i], step);       forward.decodeStep(cache, ..., rec);
 *   backend.importance(out, 0, rec.queries(), cache, seq, n, nQueries, rec.maxQueries(), W, H);
 * </pre>
 * Copies go through {@link Backend#gatherRows} with a constant row index 0 and the source offset in
 * colOffset, so recording uploads nothing and allocates nothing per step.
 */
public final class QueryRecorder implements LayerHook, AutoCloseable {
    private final Backend backend;
    private final int layers;
    private final int batch;
    private final int maxQueries;
    private final int qDim;      // H * D
    private final int rowStride; // (H + 2G) * D
    private final Backend.Tensor queries;
    private final Backend.Ints zero;
    private int[] rows = new int[8];
    private int[] dst = new int[8]; // (seq * maxQueries + a): the [batch][maxQueries] index
    private int count;

    /** Allocates the query tensor for {@code batch} cache sequences and up to {@code maxQueries} each. */
    public QueryRecorder(Backend backend, LlamaConfig config, int batch, int maxQueries) {
        if (batch < 1 || maxQueries < 1) {
            throw new IllegalArgumentException("QueryRecorder: batch=" + batch + ", maxQueries=" + maxQueries + " must be >= 1");
        }
        this.backend = backend;
        this.layers = config.nLayers();
        this.batch = batch;
        this.maxQueries = maxQueries;
        this.qDim = config.qDim();
        this.rowStride = config.qDim() + 2 * config.kvDim();
        this.queries = backend.tensor((long) layers * batch * maxQueries * qDim);
        this.zero = backend.ints(1);
        backend.write(zero, new int[]{0}, 1);
    }

    /** [layers][batch][maxQueries][H * D], post-RoPE, float32. */
    public Backend.Tensor queries() {
        return queries;
    }

    public int batch() {
        return batch;
    }

    public int maxQueries() {
        return maxQueries;
    }

    /** Forgets the rows of the previous step. */
    public void clear() {
        count = 0;
    }

    /** In the next step, row {@code row} goes to query slot {@code queryIndex} of cache sequence {@code seq}. */
    public void record(int row, int seq, int queryIndex) {
        if (row < 0 || seq < 0 || seq >= batch || queryIndex < 0 || queryIndex >= maxQueries) {
            throw new IllegalArgumentException("QueryRecorder.record: row " + row + ", seq " + seq + ", query "
                    + queryIndex + " outside rows >= 0, seq < " + batch + ", query < " + maxQueries);
        }
        if (count == rows.length) {
            rows = java.util.Arrays.copyOf(rows, 2 * count);
            dst = java.util.Arrays.copyOf(dst, 2 * count);
        }
        rows[count] = row;
        dst[count] = seq * maxQueries + queryIndex;
        count++;
    }

    @Override
    public void afterRope(int layer, Backend.Tensor qkv, int T) {
        for (int i = 0; i < count; i++) {
            if (rows[i] >= T) {
                throw new IllegalArgumentException("QueryRecorder: recorded row " + rows[i] + " but the step has " + T + " rows");
            }
            long offset = ((long) layer * batch * maxQueries + dst[i]) * qDim;
            backend.gatherRows(queries, offset, qkv, zero, 1, 0, rows[i] * rowStride, qDim);
        }
    }

    @Override
    public void close() {
        queries.close();
        zero.close();
    }
}
