package io.specprefill.udf.llama;

/**
 * Called by the forward pass in every layer right after RoPE, before the keys and values go to the
 * KV cache and before attention: the one place where post-RoPE queries and keys exist. The
 * speculative-prefill scorer records queries through {@link QueryRecorder}; tests read keys too.
 */
@FunctionalInterface
public interface LayerHook {
    /**
     * @param layer  0-based layer
     * @param qkv    [rows, (H + 2G) * D] backend tensor, row-major: post-RoPE queries in columns
     *               [0, H*D) (head h at h*D), post-RoPE keys in [H*D, (H+G)*D), values after. Rows are
     *               the step's packed rows in order. Valid only during the call; do not write to it.
     * @param rows   T, rows of this step
     */
    void afterRope(int layer, Backend.Tensor qkv, int rows);

    /** No hook. */
    LayerHook NONE = (layer, qkv, rows) -> { };
}
