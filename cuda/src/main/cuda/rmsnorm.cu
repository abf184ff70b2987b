// rmsnorm: out[t] = x[t] * rsqrt(mean(x[t]^2) + eps) * w, all float32 (HF LlamaRMSNorm in float32).
// Shapes: x, out [T, dim] f32 (out may alias x); w [dim] f32 (norm vectors are kept in float32 on the
// device: they are tiny, and BF16 would add a rounding the CPU reference does not have).
// Live: v1, one block of 256 threads per row; the row is read twice (second read hits L1/L2).
#include "common.cuh"

extern "C" __global__ void rmsnorm_v1(float* out, const float* x, const float* __restrict__ w,
                                      int dim, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + (size_t)blockIdx.x * dim;
    float* orow = out + (size_t)blockIdx.x * dim;
    float ss = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss, scratch);
    float inv = rsqrtf(ss / dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) orow[i] = xr[i] * inv * w[i];
}
