// add_bias: x[t, j] += bias[j] for t < T, j < n: the bias of an nn.Linear after its GEMM (HF x @ W^T + b).
// Qwen2's q/k/v projections: x = the fused rows qkv [T, (H + 2G) * D] (BF16 when narrow), bias =
// bq|bk|bv as one row; attention_bias models also add o_proj's bias to the residual [T, dim] (f32).
// Shapes: x [T, n] f32 or BF16 row-major; bias [n] f32 (a single-row weight: kept in float32 on the
// device, as norm vectors). Float32 add, rounded to BF16 for narrow rows.
// Live: v1, one thread per element of x, grid ceil(T * n / 256) x 256; memory-bound (one read and one
// write of x: the traffic of add_v1). Measured (KernelBench small, H200, 2026-11-30, graph-replayed,
// L2 flushed): Qwen2-7B's qkv bias over a 4K prefill, T=4096 n=4608 BF16, 0.061 ms (29% of the 4258
// GB/s copy ceiling: one 2-byte element a thread); its 28 layers, 1.7 ms beside a ~100 ms prefill.
#include "common.cuh"

template <typename T>
__device__ void add_bias1(T* __restrict__ x, const float* __restrict__ bias, int rows, int n) {
    long i = (long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long)rows * n) return;
    x[i] = from_f32<T>(to_f32(x[i]) + bias[i % n]);
}

extern "C" __global__ void add_bias_v1_f32(float* __restrict__ x, const float* __restrict__ bias, int T, int n) {
    add_bias1(x, bias, T, n);
}

extern "C" __global__ void add_bias_v1_bf16(__nv_bfloat16* __restrict__ x, const float* __restrict__ bias, int T, int n) {
    add_bias1(x, bias, T, n);
}
