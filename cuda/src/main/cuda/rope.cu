// rope: rotary embedding in place on fused rows qkv [T, (H + 2G) * D] (float or BF16); the first
// H + G heads (queries, then keys) of row t are rotated by angle positions[t] * invFreq[i] in HF's
// rotate_half convention: x'[i] = x[i] cos - x[i + D/2] sin, x'[i + D/2] = x[i + D/2] cos + x[i] sin,
// i < D/2, in float32 (BF16 rows are widened, rotated and rounded back, as HF rotates BF16 q and k).
// The angle is the float32 product, as HF computes it; sincosf is the accurate (range-reduced) one,
// never __sincosf: angles reach 1e5 rad at long positions, where the fast version is wrong.
// invFreq [D/2] f32 comes already llama3-scaled from the caller. positions [T] int32, any values (gaps).
// v1 (deleted): grid (T), a thread per (head, i) pair, one sincosf per pair (40 per angle at H + G = 40).
//   H100, T=32768 H=32 G=8 D=128: 0.516 ms, 2600 GB/s (2026-11-25).
// Live: v2, grid (T, y), 128 threads = (128 / (D/2)) head lanes x D/2 angle lanes: each thread computes
//   the sincos of its angle once and rotates every (H + G) / (lanes * y)-th head with it; y = 1 for
//   prefills (one sincos per angle and row), y = (H + G) / lanes for a few rows (a decode step's
//   heads in parallel blocks instead of one block's loop).
//   H200 (2026-11-30): BF16 T=32768 H=32 G=8 D=128 0.289 ms, 2325 GB/s (55%); T=1 10.5 us under ncu
//   (one block walks 40 heads: the next thing to split for decode).
#include "common.cuh"

template <typename T>
__device__ void rope2(T* qkv, const int* __restrict__ positions, const float* __restrict__ invFreq, int nRotHeads,
                      int headDim, int rowStride) {
    const int half = headDim / 2;
    const int lanes = max(1, (int)blockDim.x / half);   // heads processed side by side
    const int i = threadIdx.x % half, lane = threadIdx.x / half;
    if (lane >= lanes) return;
    float s, c;
    sincosf((float)positions[blockIdx.x] * invFreq[i], &s, &c);
    T* row = qkv + (size_t)blockIdx.x * rowStride;
    // gridDim.y > 1 (a few rows: decode) spreads a row's heads over blocks instead of one block's loop.
    for (int h = blockIdx.y * lanes + lane; h < nRotHeads; h += gridDim.y * lanes) {
        T* x = row + h * headDim;
        float x1 = to_f32(x[i]), x2 = to_f32(x[i + half]);
        x[i] = from_f32<T>(x1 * c - x2 * s);
        x[i + half] = from_f32<T>(x2 * c + x1 * s);
    }
}

extern "C" __global__ void rope_v2_f32(float* qkv, const int* __restrict__ positions, const float* __restrict__ invFreq,
                                       int nRotHeads, int headDim, int rowStride) {
    rope2(qkv, positions, invFreq, nRotHeads, headDim, rowStride);
}

extern "C" __global__ void rope_v2_bf16(__nv_bfloat16* qkv, const int* __restrict__ positions,
                                        const float* __restrict__ invFreq, int nRotHeads, int headDim, int rowStride) {
    rope2(qkv, positions, invFreq, nRotHeads, headDim, rowStride);
}
