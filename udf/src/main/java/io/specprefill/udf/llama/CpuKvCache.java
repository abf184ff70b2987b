package io.specprefill.udf.llama;

/**
 * The CPU KV cache: per layer one key and one value array laid out [batch][G][capacity][D], so that
 * one KV head of one sequence is a contiguous [capacity, D] block (attention streams it).
 */
final class CpuKvCache implements Backend.KvCache {
    final float[][] keys;   // [layers][batch * G * capacity * D], post-RoPE
    final float[][] values; // [layers][batch * G * capacity * D]
    private final int layers;
    private final int batch;
    private final int capacity;
    private final int nKvHeads;
    private final int headDim;

    CpuKvCache(int layers, int batch, int capacity, int nKvHeads, int headDim) {
        if (layers < 1 || batch < 1 || capacity < 1 || nKvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException("kvCache: layers=" + layers + ", batch=" + batch + ", capacity="
                    + capacity + ", nKvHeads=" + nKvHeads + ", headDim=" + headDim + " must all be >= 1");
        }
        int perLayer = CpuBackend.checkedSize((long) batch * nKvHeads * capacity * headDim,
                "kvCache [batch=" + batch + "][G=" + nKvHeads + "][capacity=" + capacity + "][D=" + headDim + "]");
        this.keys = new float[layers][perLayer];
        this.values = new float[layers][perLayer];
        this.layers = layers;
        this.batch = batch;
        this.capacity = capacity;
        this.nKvHeads = nKvHeads;
        this.headDim = headDim;
    }

    /** Offset of slot 0 of KV head g of sequence seq in keys[l] / values[l]. */
    int base(int seq, int g) {
        return (seq * nKvHeads + g) * capacity * headDim;
    }

    @Override
    public int layers() {
        return layers;
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int nKvHeads() {
        return nKvHeads;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public void close() {
        // heap memory
    }
}
