// argmax: out[r] = argmax_j logits[r, j], j < vocab; the lowest index wins a tie, NaN never wins
// (comparisons with NaN are false), as CpuBackend.argmax. If a row is all NaN, out[r] = 0.
// Shapes: logits [R, vocab] f32, out [R] int32. One block of 1024 threads per row, a per-thread scan
// then a (value, index) reduction.
// v1: scalar loads, one at a time a thread; 51.9 us for the row of 128256 logits that ends every 8B
//   decode step (ncu, H200, 2026-11-30): 0.9% of the step, for 0.5 MB.
// Live: v2, 16-byte loads with four in flight a thread (rows of vocab % 4 == 0; others scalar), warp
//   shuffles then one warp for the reduction: 10.0 us for that row (same card and day).
#include "common.cuh"

__device__ __forceinline__ bool better(float v, int j, float bv, int bj) {
    return v > bv || (v == bv && j < bj);
}

__device__ __forceinline__ void consider(float v, int j, float& bv, int& bj) {
    if (better(v, j, bv, bj)) { bv = v; bj = j; }
}

extern "C" __global__ void __launch_bounds__(1024) argmax_v2(int* __restrict__ out, const float* __restrict__ logits,
                                                            int vocab) {
    __shared__ float wv[32];
    __shared__ int wj[32];
    const float* row = logits + (size_t)blockIdx.x * vocab;
    float bv = NEG_INF;
    int bj = 0x7fffffff;
    if ((vocab & 3) == 0) {   // rows 16-byte aligned (the buffer is)
        const float4* r4 = reinterpret_cast<const float4*>(row);
        const int n4 = vocab >> 2, step = blockDim.x;
        for (int i = threadIdx.x; i < n4; i += 4 * step) {
            float4 v[4];
#pragma unroll
            for (int u = 0; u < 4; u++) {
                int at = i + u * step;
                v[u] = at < n4 ? __ldg(r4 + at) : make_float4(NEG_INF, NEG_INF, NEG_INF, NEG_INF);
            }
#pragma unroll
            for (int u = 0; u < 4; u++) {
                int j = 4 * (i + u * step);
                consider(v[u].x, j, bv, bj);
                consider(v[u].y, j + 1, bv, bj);
                consider(v[u].z, j + 2, bv, bj);
                consider(v[u].w, j + 3, bv, bj);
            }
        }
    } else {
        for (int j = threadIdx.x; j < vocab; j += blockDim.x) consider(row[j], j, bv, bj);
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(0xffffffffu, bv, o);
        int oj = __shfl_xor_sync(0xffffffffu, bj, o);
        consider(ov, oj, bv, bj);
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { wv[warp] = bv; wj[warp] = bj; }
    __syncthreads();
    if (warp == 0) {
        int nw = blockDim.x >> 5;
        bv = lane < nw ? wv[lane] : NEG_INF;
        bj = lane < nw ? wj[lane] : 0x7fffffff;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            float ov = __shfl_xor_sync(0xffffffffu, bv, o);
            int oj = __shfl_xor_sync(0xffffffffu, bj, o);
            consider(ov, oj, bv, bj);
        }
        if (lane == 0) out[blockIdx.x] = bj == 0x7fffffff ? 0 : bj;
    }
}
