// gather_rows: dst[r * width + c] = src[rows[r] * srcStride + colOffset + c], r < R, c < width
// (dst already offset by the launcher). Picks the last token's hidden state for the LM head and
// records post-RoPE queries (from BF16 qkv rows) for the importance scorer.
// Shapes: src [*, srcStride] f32 or BF16, rows [R] int32, dst [R, width] f32.
// Live: v1, grid (R), block-strided columns, one instantiation per source type.
// Measured (KernelBench small, H200, 2026-11-30, graph-replayed, L2 flushed): the kept rows of a 32K
// prompt, R=3328 of 4096 BF16 into f32, 0.036 ms (53% of the 4258 GB/s copy ceiling).
#include "common.cuh"

template <typename T>
__device__ void gather_rows1(float* __restrict__ dst, const T* __restrict__ src, const int* __restrict__ rows,
                             int srcStride, int colOffset, int width) {
    int r = blockIdx.x;
    const T* s = src + (size_t)rows[r] * srcStride + colOffset;
    float* d = dst + (size_t)r * width;
    for (int c = threadIdx.x; c < width; c += blockDim.x) d[c] = to_f32(s[c]);
}

extern "C" __global__ void gather_rows_v1_f32(float* __restrict__ dst, const float* __restrict__ src,
                                              const int* __restrict__ rows, int srcStride, int colOffset, int width) {
    gather_rows1(dst, src, rows, srcStride, colOffset, width);
}

extern "C" __global__ void gather_rows_v1_bf16(float* __restrict__ dst, const __nv_bfloat16* __restrict__ src,
                                               const int* __restrict__ rows, int srcStride, int colOffset, int width) {
    gather_rows1(dst, src, rows, srcStride, colOffset, width);
}
