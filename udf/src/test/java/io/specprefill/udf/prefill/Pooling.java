package io.specprefill.udf.prefill;

/**
 * The 1-D average pool of design.md 4 step 4: kernel W, stride 1, zero padding W/2 on each side,
 * the padding counted in the mean (PyTorch {@code F.avg_pool1d(x, W, stride=1, padding=W//2)},
 * whose {@code count_include_pad} defaults to true). Output length equals input length for odd W.
 *
 * <p>The tests' reference (test sources: the product pools inside {@code Backend.importance}; the
 * CPU twin is {@code CpuAttention.avgPool}). Each output is summed in window order (left to right)
 * in float32, so that a kernel summing the same window in the same order can match it bit for bit.
 */
public final class Pooling {

    private Pooling() {
    }

    /** Rejects a kernel that is not a positive odd number (an even W would change the output length). */
    public static void checkKernel(int kernel) {
        if (kernel < 1 || kernel % 2 == 0) {
            throw new IllegalArgumentException("pool kernel W=" + kernel + " must be a positive odd number");
        }
    }

    /**
     * dst[dstOff + j] = (sum of src[srcOff + i] for i in [j - W/2, j + W/2] ∩ [0, n)) / W, j &lt; n.
     * dst must not overlap src.
     */
    public static void avgPool(float[] src, int srcOff, int n, int kernel, float[] dst, int dstOff) {
        checkKernel(kernel);
        int half = kernel / 2;
        for (int j = 0; j < n; j++) {
            int lo = Math.max(0, j - half);
            int hi = Math.min(n - 1, j + half);
            float sum = 0f;
            for (int i = lo; i <= hi; i++) sum += src[srcOff + i];
            dst[dstOff + j] = sum / kernel;
        }
    }

    /** Convenience form: a new pooled array of x's length. */
    public static float[] avgPool(float[] x, int kernel) {
        float[] out = new float[x.length];
        avgPool(x, 0, x.length, kernel, out, 0);
        return out;
    }
}
