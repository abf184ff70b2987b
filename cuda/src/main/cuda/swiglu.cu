// swiglu: out[t, j] = silu(gateUp[t, j]) * gateUp[t, hidden + j], silu(g) = g / (1 + exp(-g))
// (HF LlamaMLP: act_fn(gate_proj(x)) * up_proj(x), w1|w3 fused into one GEMM), float32 math.
// Shapes: gateUp [T, 2 * hidden], out [T, hidden], both float or both BF16.
// v1 (f32): one thread per output element. H100, T=32768 hidden=14336: 2.887 ms, 1952 GB/s (2026-11-25).
// Live: v1 (f32, and BF16 when hidden % 8 != 0), and v2_bf16: one thread per 8 outputs, 16-byte loads
//   and store (hidden % 8 == 0): a third of v1's f32 bytes.
//   H200 (2026-11-30): v2_bf16 T=32768 hidden=14336 0.671 ms, 4201 GB/s (100% of the copy ceiling).
#include "common.cuh"

template <typename T>
__device__ void swiglu1(T* __restrict__ out, const T* __restrict__ gateUp, int T_, int hidden) {
    long i = (long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long)T_ * hidden) return;
    long t = i / hidden, j = i - t * hidden;
    float g = to_f32(gateUp[t * 2 * hidden + j]);
    float u = to_f32(gateUp[t * 2 * hidden + hidden + j]);
    out[i] = from_f32<T>(g / (1.f + expf(-g)) * u);
}

extern "C" __global__ void swiglu_v1_f32(float* __restrict__ out, const float* __restrict__ gateUp, int T, int hidden) {
    swiglu1(out, gateUp, T, hidden);
}

extern "C" __global__ void swiglu_v1_bf16(__nv_bfloat16* __restrict__ out, const __nv_bfloat16* __restrict__ gateUp,
                                          int T, int hidden) {
    swiglu1(out, gateUp, T, hidden);
}

extern "C" __global__ void swiglu_v2_bf16(__nv_bfloat16* __restrict__ out, const __nv_bfloat16* __restrict__ gateUp,
                                          int T, int hidden) {
    long i8 = (long)blockIdx.x * blockDim.x + threadIdx.x;
    const long per = hidden / 8;
    if (i8 >= (long)T * per) return;
    long t = i8 / per, j8 = i8 - t * per;
    const uint4* row = reinterpret_cast<const uint4*>(gateUp + t * 2 * hidden);
    uint4 g = row[j8], u = row[per + j8];
    const uint32_t gw[4] = {g.x, g.y, g.z, g.w}, uw[4] = {u.x, u.y, u.z, u.w};
    uint32_t o[4];
#pragma unroll
    for (int e = 0; e < 4; e++) {
        float2 gv = bf16x2_to_float2(gw[e]), uv = bf16x2_to_float2(uw[e]);
        o[e] = pack_bf16x2(gv.x / (1.f + expf(-gv.x)) * uv.x, gv.y / (1.f + expf(-gv.y)) * uv.y);
    }
    reinterpret_cast<uint4*>(out)[i8] = make_uint4(o[0], o[1], o[2], o[3]);
}
