package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;

/**
 * CudaBackend's handles: device allocations with their logical shapes. Closing frees the memory;
 * the backend checks that handles it is given are its own (a CPU tensor passed to the GPU backend
 * is a programming error, reported as such).
 */
final class Handles {
    private Handles() {
    }

    /** How activations are stored: float32, or BF16 for {@link Backend#narrowTensor} ones. */
    enum Elem {
        F32(4), BF16(2);

        final int bytes;

        Elem(int bytes) {
            this.bytes = bytes;
        }
    }

    /** Activations, {@code size} logical floats stored as {@code elem}. */
    static final class Tensor implements Backend.Tensor {
        final DeviceMemory mem;
        final long size;
        final Elem elem;

        Tensor(DeviceMemory mem, long size, Elem elem) {
            this.mem = mem;
            this.size = size;
            this.elem = elem;
        }

        @Override
        public long size() {
            return size;
        }

        /** The address of element {@code offset}. */
        long at(long offset) {
            return mem.address + offset * elem.bytes;
        }

        boolean bf16() {
            return elem == Elem.BF16;
        }

        @Override
        public void close() {
            mem.close();
        }
    }

    /** int32 vector. */
    static final class Ints implements Backend.Ints {
        final DeviceMemory mem;
        final int size;

        Ints(DeviceMemory mem, int size) {
            this.mem = mem;
            this.size = size;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public void close() {
            mem.close();
        }
    }

    /**
     * How a weight is stored: matrices BF16 (GEMM operands, the embedding), single rows f32 (norms),
     * FP8 projections as E4M3 bytes [rows, cols] with f32 row scales [rows] ({@link Weight#scales}).
     */
    enum Format { BF16, F32, FP8 }

    static final class Weight implements Backend.Weight {
        final DeviceMemory mem;
        final long rows;
        final long cols;
        final Format format;
        final String name;
        /** FP8: the row (output channel) scales, [rows] f32; null otherwise. */
        final DeviceMemory scales;

        Weight(DeviceMemory mem, long rows, long cols, Format format, String name) {
            this(mem, rows, cols, format, name, null);
        }

        Weight(DeviceMemory mem, long rows, long cols, Format format, String name, DeviceMemory scales) {
            this.mem = mem;
            this.rows = rows;
            this.cols = cols;
            this.format = format;
            this.name = name;
            this.scales = scales;
        }

        @Override
        public long rows() {
            return rows;
        }

        @Override
        public long cols() {
            return cols;
        }

        @Override
        public long bytes() {
            return mem.bytes + (scales == null ? 0 : scales.bytes);
        }

        @Override
        public void close() {
            mem.close();
            if (scales != null) scales.close();
        }

        @Override
        public String toString() {
            return name + " [" + rows + ", " + cols + "] " + format;
        }
    }

    /**
     * K and V, each [layers][batch][G][capacity][D] BF16 (see kv_write.cu for why head-major).
     */
    static final class KvCache implements Backend.KvCache {
        final DeviceMemory k;
        final DeviceMemory v;
        final int layers, batch, capacity, nKvHeads, headDim;

        KvCache(DeviceMemory k, DeviceMemory v, int layers, int batch, int capacity, int nKvHeads, int headDim) {
            this.k = k;
            this.v = v;
            this.layers = layers;
            this.batch = batch;
            this.capacity = capacity;
            this.nKvHeads = nKvHeads;
            this.headDim = headDim;
        }

        /** Elements of one layer's block [batch][G][capacity][D]. */
        long layerElements() {
            return (long) batch * nKvHeads * capacity * headDim;
        }

        long kLayer(int layer) {
            return k.address + layer * layerElements() * 2;
        }

        long vLayer(int layer) {
            return v.address + layer * layerElements() * 2;
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
            k.close();
            v.close();
        }
    }
}
