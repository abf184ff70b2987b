// rmsnorm: out[t] = x[t] * rsqrt(mean(x[t]^2) + eps) * w in float32 (HF LlamaRMSNorm computes in
// float32 and casts back), stored as float (out may alias x) or BF16 (a matmul input).
// Shapes: x [T, dim] f32; out [T, dim] f32 or BF16; w [dim] f32 (norm vectors are kept in float32 on
// the device: they are tiny, and BF16 would add a rounding the CPU reference does not have).
// v1 (deleted): one block of 256 threads per row, scalar loads, f32 out only.
//   H100, T=32768 dim=4096: 0.512 ms, 2098 GB/s, 70% of the copy ceiling (2026-11-25).
// Live: v2, one block of 256 threads per row, 16-byte loads of x (scalar when dim % 4 != 0; the row is
//   read twice, the second time from L1/L2), BF16 output written 8 bytes at a time.
//   H200 (2026-11-30, BENCHMARKS.md): T=32768 dim=4096 to BF16 0.203 ms, 3976 GB/s (95% of the copy
//   ceiling); T=1 5.7 us under ncu (one block: a decode step's small-row case is latency-bound).
#include "common.cuh"

template <typename TOut>
__device__ void rmsnorm2(TOut* out, const float* x, const float* __restrict__ w, int dim, float eps) {
    __shared__ float scratch[32];
    pdl_launch_dependents();   // the projection after it (gemv_v3) may start loading its weights
    pdl_wait();                // launched programmatically itself: x is the previous kernel's
    if (dim & 3) {   // rows not 16-byte aligned (no Llama has such a dim; tiny test models may): scalar
        const float* xs = x + (size_t)blockIdx.x * dim;
        float ss = 0.f;
        for (int i = threadIdx.x; i < dim; i += blockDim.x) ss += xs[i] * xs[i];
        ss = block_sum(ss, scratch);
        float inv = rsqrtf(ss / dim + eps);
        for (int i = threadIdx.x; i < dim; i += blockDim.x) out[(size_t)blockIdx.x * dim + i] = from_f32<TOut>(w[i] * (xs[i] * inv));
        return;
    }
    const float4* xr = reinterpret_cast<const float4*>(x + (size_t)blockIdx.x * dim);
    const float4* w4 = reinterpret_cast<const float4*>(w);
    TOut* orow = out + (size_t)blockIdx.x * dim;
    float ss = 0.f;
    for (int i = threadIdx.x; i < dim / 4; i += blockDim.x) {
        float4 v = xr[i];
        ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
    }
    ss = block_sum(ss, scratch);
    float inv = rsqrtf(ss / dim + eps);
    for (int i = threadIdx.x; i < dim / 4; i += blockDim.x) {
        float4 v = xr[i], g = w4[i];
        float a = g.x * (v.x * inv), b = g.y * (v.y * inv), c = g.z * (v.z * inv), d = g.w * (v.w * inv);
        if constexpr (sizeof(TOut) == 4) {
            reinterpret_cast<float4*>(orow)[i] = make_float4(a, b, c, d);
        } else {
            reinterpret_cast<uint2*>(orow)[i] = make_uint2(pack_bf16x2(a, b), pack_bf16x2(c, d));
        }
    }
}

extern "C" __global__ void rmsnorm_v2_f32(float* out, const float* x, const float* __restrict__ w, int dim, float eps) {
    rmsnorm2(out, x, w, dim, eps);
}

extern "C" __global__ void rmsnorm_v2_bf16(__nv_bfloat16* out, const float* x, const float* __restrict__ w, int dim,
                                           float eps) {
    rmsnorm2(out, x, w, dim, eps);
}
