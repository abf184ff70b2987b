// rmsnorm_heads: per-head RMSNorm in place on a strided slice of fused rows (Qwen3's q_norm and k_norm,
// applied before RoPE: HF self.q_norm(q_proj(x).view(*, heads, D)), Qwen3RMSNorm in float32).
// For row t < T and head h < heads: v = x[t * stride + offset + h * D + i], i < D;
// v = v * rsqrt(mean(v^2) + eps) * w[i]. One weight w [D] serves every head.
// On qkv [T, (H + 2G) * D] the launcher calls it twice: offset 0, H heads, q_norm; offset H * D, G heads,
// k_norm. The values (offset (H + G) * D) are never touched.
// Shapes: x rows of `stride` elements, f32 or BF16 (widened, normed in float32, rounded back); w [D] f32.
// Live: v1, one warp per (row, head): grid (T, heads) (rows on x: T may exceed gridDim.y's 65535),
// block 32; lanes stride over D (D = 128 is 4 values per lane), a warp_sum for mean(v^2).
// Measured (KernelBench small, H200, 2026-11-30, graph-replayed, L2 flushed): Qwen3-8B's 40 heads over
// a 4K prefill in one launch, T=4096 D=128 BF16, 0.103 ms (19% of the 4258 GB/s copy ceiling: a
// warp a 256-byte head, one load round trip each); its 36 layers, 3.7 ms beside a ~100 ms prefill.
#include "common.cuh"

template <typename T>
__device__ void rmsnorm_heads1(T* x, const float* __restrict__ w, int stride, int offset, int headDim, float eps) {
    T* v = x + (size_t)blockIdx.x * stride + offset + (size_t)blockIdx.y * headDim;
    float ss = 0.f;
    for (int i = threadIdx.x; i < headDim; i += 32) {
        float a = to_f32(v[i]);
        ss += a * a;
    }
    ss = warp_sum(ss);
    float inv = rsqrtf(ss / headDim + eps);
    for (int i = threadIdx.x; i < headDim; i += 32) v[i] = from_f32<T>(w[i] * (to_f32(v[i]) * inv));
}

extern "C" __global__ void rmsnorm_heads_v1_f32(float* x, const float* __restrict__ w, int stride, int offset,
                                                int headDim, float eps) {
    rmsnorm_heads1(x, w, stride, offset, headDim, eps);
}

extern "C" __global__ void rmsnorm_heads_v1_bf16(__nv_bfloat16* x, const float* __restrict__ w, int stride, int offset,
                                                 int headDim, float eps) {
    rmsnorm_heads1(x, w, stride, offset, headDim, eps);
}
