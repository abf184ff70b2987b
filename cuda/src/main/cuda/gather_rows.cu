// gather_rows: dst[r * width + c] = src[rows[r] * srcStride + colOffset + c], r < R, c < width
// (dst already offset by the launcher). Picks the last token's hidden state for the LM head and
// records post-RoPE queries for the importance scorer.
// Shapes: src [*, srcStride] f32, rows [R] int32, dst [R, width] f32. Live: v1, grid (R), block-strided columns.
#include "common.cuh"

extern "C" __global__ void gather_rows_v1(float* __restrict__ dst, const float* __restrict__ src,
                                          const int* __restrict__ rows, int srcStride, int colOffset, int width) {
    int r = blockIdx.x;
    const float* s = src + (size_t)rows[r] * srcStride + colOffset;
    float* d = dst + (size_t)r * width;
    for (int c = threadIdx.x; c < width; c += blockDim.x) d[c] = s[c];
}
