// rope: rotary embedding in place on fused rows qkv [T, (H + 2G) * D] f32; the first H + G heads
// (queries, then keys) of row t are rotated by angle positions[t] * invFreq[i] in HF's rotate_half
// convention: x'[i] = x[i] cos - x[i + D/2] sin, x'[i + D/2] = x[i + D/2] cos + x[i] sin, i < D/2.
// The angle is the float32 product, as HF computes it; sincosf is the accurate (range-reduced) one,
// never __sincosf: angles reach 1e5 rad at long positions, where the fast version is wrong.
// invFreq [D/2] f32 comes already llama3-scaled from the caller. positions [T] int32, any values (gaps).
// Live: v1, grid (T), each thread one (head, i) pair of the row.
#include "common.cuh"

extern "C" __global__ void rope_v1(float* qkv, const int* __restrict__ positions, const float* __restrict__ invFreq,
                                   int nRotHeads, int headDim, int rowStride) {
    int t = blockIdx.x;
    int half = headDim / 2;
    float pos = (float)positions[t];
    float* row = qkv + (size_t)t * rowStride;
    for (int p = threadIdx.x; p < nRotHeads * half; p += blockDim.x) {
        int head = p / half, i = p - head * half;
        float s, c;
        sincosf(pos * invFreq[i], &s, &c);
        float* x = row + head * headDim;
        float x1 = x[i], x2 = x[i + half];
        x[i] = x1 * c - x2 * s;
        x[i + half] = x2 * c + x1 * s;
    }
}
