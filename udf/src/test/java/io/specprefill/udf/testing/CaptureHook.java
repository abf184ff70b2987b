package io.specprefill.udf.testing;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.LayerHook;

/**
 * A {@link LayerHook} that copies every layer's post-RoPE qkv rows [T, (H + 2G) * D] to the host
 * (tests only: it synchronizes the backend each layer).
 */
public final class CaptureHook implements LayerHook {
    private final Backend backend;
    private final int rowStride;
    /** [layer][T * (H + 2G) * D] of the last step. */
    public final float[][] qkv;

    public CaptureHook(Backend backend, int layers, int rowStride) {
        this.backend = backend;
        this.rowStride = rowStride;
        this.qkv = new float[layers][];
    }

    @Override
    public void afterRope(int layer, Backend.Tensor t, int rows) {
        qkv[layer] = new float[rows * rowStride];
        backend.read(t, 0, qkv[layer], rows * rowStride);
    }
}
