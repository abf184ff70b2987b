// gemv: out[T, n] = x[T, k] . w[n, k]^T (or out += for the residual) for a few rows T <= 8: the decode
// steps' projections, where cuBLAS's GEMM kernels leave most of the memory bandwidth unused (H100:
// 0.07 ms = 0.7 TB/s for n=6144 k=4096 at T=1, 24% of the copy ceiling; 2026-11-25, BENCHMARKS.md).
// The weights are read once, whatever T: the time is n * k * 2 bytes over the bandwidth.
// Shapes: x [T, k] BF16 (activations cast first when float32), w [n, k] BF16 row-major (nn.Linear),
//   out [T, n] BF16, float32, or float32 accumulated (+=). k % 8 == 0 (16-byte loads; the launcher
//   checks). Float32 accumulation; each warp's row sums lane partials in a fixed order.
// Live: v1, 256 threads = 8 warps, a warp per output column j (row j of w): each lane reads 8
//   weights (16 bytes) per step at stride 256, 8 steps unrolled (8 loads in flight per lane), the
//   matching 8 x values of each row through the L1 cache, then a warp reduction. Grid ceil(n / 8).
//   Instantiated for T <= 1, 2, 4, 8 (unused rows predicated off).
#include "common.cuh"

#define GEMV_UNROLL 8

template <int MAXT, int MODE>   // MODE 0: BF16 out, 1: f32 out, 2: f32 out +=
__device__ void gemv1(void* __restrict__ out, const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                      int T, int n, int k) {
    const int lane = threadIdx.x & 31;
    const int j = blockIdx.x * 8 + (threadIdx.x >> 5);
    if (j >= n) return;
    const uint4* wr = reinterpret_cast<const uint4*>(w + (size_t)j * k);
    float acc[MAXT];
#pragma unroll
    for (int t = 0; t < MAXT; t++) acc[t] = 0.f;
    for (int base = lane; base * 8 < k; base += 32 * GEMV_UNROLL) {
        uint4 wv[GEMV_UNROLL];
#pragma unroll
        for (int u = 0; u < GEMV_UNROLL; u++) {
            int c = base + u * 32;
            wv[u] = c * 8 < k ? __ldg(wr + c) : make_uint4(0, 0, 0, 0);
        }
#pragma unroll
        for (int u = 0; u < GEMV_UNROLL; u++) {
            int c = base + u * 32;
            if (c * 8 >= k) break;
            float2 w0 = bf16x2_to_float2(wv[u].x), w1 = bf16x2_to_float2(wv[u].y);
            float2 w2 = bf16x2_to_float2(wv[u].z), w3 = bf16x2_to_float2(wv[u].w);
#pragma unroll
            for (int t = 0; t < MAXT; t++) {
                if (t < T) {
                    uint4 xv = __ldg(reinterpret_cast<const uint4*>(x + (size_t)t * k) + c);
                    float2 x0 = bf16x2_to_float2(xv.x), x1 = bf16x2_to_float2(xv.y);
                    float2 x2 = bf16x2_to_float2(xv.z), x3 = bf16x2_to_float2(xv.w);
                    acc[t] += w0.x * x0.x + w0.y * x0.y + w1.x * x1.x + w1.y * x1.y
                            + w2.x * x2.x + w2.y * x2.y + w3.x * x3.x + w3.y * x3.y;
                }
            }
        }
    }
#pragma unroll
    for (int t = 0; t < MAXT; t++) {
        if (t < T) {
            float v = warp_sum(acc[t]);
            if (lane == 0) {
                size_t at = (size_t)t * n + j;
                if (MODE == 0) reinterpret_cast<__nv_bfloat16*>(out)[at] = __float2bfloat16_rn(v);
                else if (MODE == 1) reinterpret_cast<float*>(out)[at] = v;
                else reinterpret_cast<float*>(out)[at] += v;
            }
        }
    }
}

#define INSTANTIATE_GEMV(MAXT)                                                                                    \
    extern "C" __global__ void __launch_bounds__(256) gemv_v1_t##MAXT##_bf16(                                   \
        void* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int T, int n, int k) {                       \
        gemv1<MAXT, 0>(out, x, w, T, n, k);                                                                      \
    }                                                                                                             \
    extern "C" __global__ void __launch_bounds__(256) gemv_v1_t##MAXT##_f32(                                    \
        void* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int T, int n, int k) {                       \
        gemv1<MAXT, 1>(out, x, w, T, n, k);                                                                      \
    }                                                                                                             \
    extern "C" __global__ void __launch_bounds__(256) gemv_v1_t##MAXT##_f32acc(                                 \
        void* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int T, int n, int k) {                       \
        gemv1<MAXT, 2>(out, x, w, T, n, k);                                                                      \
    }
INSTANTIATE_GEMV(1)
INSTANTIATE_GEMV(2)
INSTANTIATE_GEMV(4)
INSTANTIATE_GEMV(8)
