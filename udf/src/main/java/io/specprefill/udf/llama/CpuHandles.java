package io.specprefill.udf.llama;

/**
 * The handles of {@link CpuBackend}: float activations, int vectors and float32 weights, each a
 * heap array (the garbage collector frees them; close does nothing).
 */
final class CpuHandles {
    private CpuHandles() {
    }

    /** Float activations: a heap array. */
    static final class CpuTensor implements Backend.Tensor {
        final float[] data;

        CpuTensor(int size) {
            data = new float[size];
        }

        @Override
        public long size() {
            return data.length;
        }

        @Override
        public void close() {
            // heap memory: the garbage collector frees it
        }
    }

    static final class CpuInts implements Backend.Ints {
        final int[] data;

        CpuInts(int size) {
            data = new int[size];
        }

        @Override
        public int size() {
            return data.length;
        }

        @Override
        public void close() {
            // heap memory
        }
    }

    /** A weight [rows, cols] as float32, row-major. */
    static final class CpuWeight implements Backend.Weight {
        final float[] data;
        final int rows;
        final int cols;

        CpuWeight(float[] data, int rows, int cols) {
            this.data = data;
            this.rows = rows;
            this.cols = cols;
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
        public void close() {
            // heap memory
        }
    }
}
