// to_bf16: dst[i] = bf16(src[i]) (round to nearest even), the GEMM input cast of matmul.
// Shapes: src [n] f32, dst [n] BF16. Activations stay float32 between ops (the residual stream keeps
// full precision across layers); only GEMM operands are BF16, as in a BF16 PyTorch model.
// Live: v1, 4 elements per thread with 16-byte loads when n % 4 == 0 and the pointers are aligned
// (the launcher checks), scalar tail otherwise. Only float32 GEMM inputs take this path now (the forward
// pass's GEMM inputs are BF16 already: Backend.narrowTensor).
// H100 (2026-11-25): n = 8192 x 8192 0.148 ms, 2727 GB/s (91% of that card's copy ceiling).
#include "common.cuh"

extern "C" __global__ void to_bf16_v1(__nv_bfloat16* __restrict__ dst, const float* __restrict__ src, long n) {
    long i4 = ((long)blockIdx.x * blockDim.x + threadIdx.x) * 4;
    if (i4 + 3 < n) {
        float4 v = *reinterpret_cast<const float4*>(src + i4);
        uint2 packed = make_uint2(pack_bf16x2(v.x, v.y), pack_bf16x2(v.z, v.w));
        *reinterpret_cast<uint2*>(dst + i4) = packed;
    } else {
        for (long i = i4; i < n; i++) dst[i] = __float2bfloat16_rn(src[i]);
    }
}
