// swiglu: out[t, j] = silu(gateUp[t, j]) * gateUp[t, hidden + j], silu(g) = g / (1 + exp(-g))
// (HF LlamaMLP: act_fn(gate_proj(x)) * up_proj(x), w1|w3 fused into one GEMM).
// Shapes: gateUp [T, 2 * hidden] f32, out [T, hidden] f32. Live: v1, one thread per output element.
#include "common.cuh"

extern "C" __global__ void swiglu_v1(float* __restrict__ out, const float* __restrict__ gateUp, int T, int hidden) {
    long i = (long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long)T * hidden) return;
    long t = i / hidden, j = i - t * hidden;
    float g = gateUp[t * 2 * hidden + j];
    float u = gateUp[t * 2 * hidden + hidden + j];
    out[i] = g / (1.f + expf(-g)) * u;
}
