// add_bias: x[t, j] += bias[j] for t < T, j < n: the bias of an nn.Linear after its GEMM (HF x @ W^T + b).
// Qwen2's q/k/v projections: x = the fused rows qkv [T, (H + 2G) * D], bias = bq|bk|bv as one row;
// attention_bias models also add o_proj's bias to [T, dim].
// Shapes: x [T, n] f32 row-major; bias [n] f32 (a single-row weight: kept in float32 on the device, as
// norm vectors, so the add is exact to the CPU twin CpuBackend.addBias).
// Live: v1, one thread per element of x, grid ceil(T * n / 256) x 256; not measured yet (memory-bound,
// one read and one write of x: the same traffic as add_v1).
#include "common.cuh"

extern "C" __global__ void add_bias_v1(float* __restrict__ x, const float* __restrict__ bias, int T, int n) {
    long i = (long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long)T * n) return;
    x[i] += bias[i % n];
}
