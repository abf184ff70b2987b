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

    /**
     * A weight [rows, cols] as float32, row-major; an FP8 weight holds its E4M3 codes decoded
     * (exact) in data and one scale per row in scales (null for every other weight).
     */
    static final class CpuWeight implements Backend.Weight {
        final float[] data;
        final int rows;
        final int cols;
        final float[] scales;

        CpuWeight(float[] data, int rows, int cols) {
            this(data, rows, cols, null);
        }

        CpuWeight(float[] data, int rows, int cols, float[] scales) {
            this.data = data;
            this.rows = rows;
            this.cols = cols;
            this.scales = scales;
        }

        boolean fp8() {
            return scales != null;
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
