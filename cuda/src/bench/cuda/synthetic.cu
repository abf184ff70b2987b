// synthetic: fills device weights with reproducible pseudo-random values for performance runs with
// real Llama shapes (no host arrays of gigabytes). Each element is a hash of (seed, index), so the
// result does not depend on the launch shape.
// fill_uniform_bf16_v1: dst [n] BF16, uniform in [-scale, scale). fill_f32_v1: dst [n] f32 = value.
// fill_uniform_f32_v1 (below): the same in f32, for benchmark inputs.
#include "common.cuh"

__device__ __forceinline__ uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

extern "C" __global__ void fill_uniform_bf16_v1(__nv_bfloat16* __restrict__ dst, long n, unsigned long long seed,
                                                float scale) {
    for (long i = (long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        uint64_t h = splitmix64(seed * 0x100000001b3ull + (uint64_t)i);
        float u = (float)(h >> 40) * (1.0f / 16777216.0f);   // [0, 1), 24 bits
        dst[i] = __float2bfloat16_rn((2.f * u - 1.f) * scale);
    }
}

extern "C" __global__ void fill_f32_v1(float* __restrict__ dst, long n, float value) {
    for (long i = (long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) dst[i] = value;
}

// fill_uniform_f32_v1: dst [n] f32 uniform in [-scale, scale) (random activations for kernel benchmarks).
extern "C" __global__ void fill_uniform_f32_v1(float* __restrict__ dst, long n, unsigned long long seed, float scale) {
    for (long i = (long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        uint64_t h = splitmix64(seed * 0x100000001b3ull + (uint64_t)i);
        dst[i] = (2.f * ((float)(h >> 40) * (1.0f / 16777216.0f)) - 1.f) * scale;
    }
}

// l2_flush_v1: reads src [n16] 16-byte words and writes nothing unless their XOR is a value it never
// is (so the reads cannot be dropped): evicts L2 with clean lines before a bandwidth measurement
// (a memset would leave 60 MB of dirty lines whose write-back the next kernel would pay for).
extern "C" __global__ void l2_flush_v1(const uint4* __restrict__ src, long n16, unsigned* sink) {
    unsigned acc = 0;
    for (long i = (long)blockIdx.x * blockDim.x + threadIdx.x; i < n16; i += (long)gridDim.x * blockDim.x) {
        uint4 v = src[i];
        acc ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (acc == 0x9e3779b9u) *sink = acc;
}
