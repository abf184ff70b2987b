// Shared device helpers for the kernels of this folder (included, never compiled alone):
// BF16 conversions and warp/block reductions. Activations are float32 (the residual stream, logits) or
// BF16 ("narrow" intermediates: normed inputs, q|k|v, attention output, gate|up); weights and the KV
// cache are BF16. Kernels that touch activations are templates over the element type (float or
// __nv_bfloat16), instantiated as <op>_v<N>_f32 / _bf16; all arithmetic is float32.
#pragma once
#include <cuda_bf16.h>
#include <stdint.h>

#define NEG_INF (-__int_as_float(0x7f800000))

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
// scratch: 32 floats of shared memory. Ends with a barrier, so scratch may be reused at once.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nWarps = blockDim.x >> 5;
    v = warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < nWarps ? scratch[lane] : 0.f;
    v = warp_sum(v);
    __syncthreads();
    return v;
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nWarps = blockDim.x >> 5;
    v = warp_max(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < nWarps ? scratch[lane] : NEG_INF;
    v = warp_max(v);
    __syncthreads();
    return v;
}

// Two BF16 values packed in one 32-bit word (the lower index in the low half) widened to float32.
__device__ __forceinline__ float2 bf16x2_to_float2(uint32_t w) {
    return make_float2(__uint_as_float(w << 16), __uint_as_float(w & 0xffff0000u));
}

// Round two float32 to BF16 (nearest even) and pack them, lo in the low half (mma operand order).
__device__ __forceinline__ uint32_t pack_bf16x2(float lo, float hi) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
}

// A 16-byte load of data read once (weights streamed by a GEMV): through the read-only path, not
// kept in L1.
__device__ __forceinline__ uint4 load_stream16(const uint4* p) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
    return v;
}

// Programmatic dependent launch (sm_90; no-ops on older targets, and where the kernel was launched
// without the attribute). A kernel launched programmatically (Launcher.Kernel#programmatic) may start
// while the kernel before it drains: it must call pdl_wait() before reading anything that kernel
// writes (the wait returns once that kernel has completed and its writes are visible). A kernel that
// calls pdl_launch_dependents() lets such a successor start early, once all its blocks have called it.
__device__ __forceinline__ void pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}

__device__ __forceinline__ void pdl_launch_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;\n" :::);
#endif
}

// Element conversions for the activation templates (float or BF16 storage, float32 math).
__device__ __forceinline__ float to_f32(float v) { return v; }
__device__ __forceinline__ float to_f32(__nv_bfloat16 v) { return __bfloat162float(v); }
template <typename T> __device__ __forceinline__ T from_f32(float v);
template <> __device__ __forceinline__ float from_f32<float>(float v) { return v; }
template <> __device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
