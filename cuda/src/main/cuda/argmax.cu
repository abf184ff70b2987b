// argmax: out[r] = argmax_j logits[r, j], j < vocab; the lowest index wins a tie, NaN never wins
// (comparisons with NaN are false), as CpuBackend.argmax. If a row is all NaN, out[r] = 0.
// Shapes: logits [R, vocab] f32, out [R] int32. Live: v1, one block of 1024 threads per row,
// per-thread scan then a (value, index) block reduction in shared memory.
// Not timed apart: one row of 128256 logits per decode step (0.5 MB read).
#include "common.cuh"

__device__ __forceinline__ bool better(float v, int j, float bv, int bj) {
    return v > bv || (v == bv && j < bj);
}

extern "C" __global__ void argmax_v1(int* __restrict__ out, const float* __restrict__ logits, int vocab) {
    __shared__ float sv[1024];
    __shared__ int sj[1024];
    const float* row = logits + (size_t)blockIdx.x * vocab;
    float bv = NEG_INF;
    int bj = 0x7fffffff;
    for (int j = threadIdx.x; j < vocab; j += blockDim.x) {
        float v = row[j];
        if (better(v, j, bv, bj)) { bv = v; bj = j; }
    }
    sv[threadIdx.x] = bv;
    sj[threadIdx.x] = bj;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s && better(sv[threadIdx.x + s], sj[threadIdx.x + s], sv[threadIdx.x], sj[threadIdx.x])) {
            sv[threadIdx.x] = sv[threadIdx.x + s];
            sj[threadIdx.x] = sj[threadIdx.x + s];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = sj[0] == 0x7fffffff ? 0 : sj[0];
}
