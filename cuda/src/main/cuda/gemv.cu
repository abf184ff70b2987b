// gemv: out[T, n] = x[T, k] . w[n, k]^T (or out += into the float32 residual) for the few rows of a
// decode step (T <= 4). Every byte of w is read once whatever T, so the time is n * k * 2 bytes over
// the memory bandwidth; cuBLAS's GEMM kernels leave part of it unused at these shapes (H200, graph-
// replayed, L2 flushed, 2026-11-30: T=1 n=6144 k=4096 at 68% of the copy ceiling, n=4096 k=4096 with
// split-K at 53%, n=4096 k=14336 at 82%).
// Shapes: x [T, k] BF16 (activations cast first when float32), w [n, k] BF16 row-major (nn.Linear),
//   out [T, n] BF16, float32, or float32 accumulated (+=). k % 8 == 0 and x, w 16-byte aligned
//   (16-byte loads; the launcher checks). Float32 accumulation, each warp's row summed in a fixed order.
// v2: 256 threads = 8 warps, a warp per output column j (row j of w), lanes interleaved over 16-byte
//   chunks. The row streams in batches of 8 chunks per lane (4 KB a warp) through two register
//   buffers: the next batch's loads are issued before the current batch is used, so a warp always has
//   one batch in flight and the bandwidth never waits on a warp's slowest load. Weights bypass L1
//   (read once); x comes through L1 (every warp of the SM reads it). Grid ceil(n / 8).
// v1 (deleted 2026-11-30; the same warp-per-row layout with one buffer: 8 loads, wait for all, use,
//   repeat) lost to cuBLAS on an H200: T=1 n=4096 k=14336 0.047 ms against 0.032.
#include "common.cuh"

#define GEMV_WARPS 8
#define GEMV_BATCH 8

__device__ __forceinline__ uint4 load_stream16(const uint4* p) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
    return v;
}

template <int MAXT>
struct GemvRow {
    const uint4* w;           // row j of w, 16-byte chunks
    const __nv_bfloat16* x;   // x [T, k]
    int chunks, k, T, lane;
    float acc[MAXT];

    __device__ __forceinline__ void fetch(uint4 (&buf)[GEMV_BATCH], int base) const {
#pragma unroll
        for (int u = 0; u < GEMV_BATCH; u++) {
            int c = base + u * 32 + lane;
            buf[u] = c < chunks ? load_stream16(w + c) : make_uint4(0, 0, 0, 0);
        }
    }

    __device__ __forceinline__ void use(const uint4 (&buf)[GEMV_BATCH], int base) {
#pragma unroll
        for (int u = 0; u < GEMV_BATCH; u++) {
            int c = base + u * 32 + lane;
            if (c >= chunks) break;
            float2 w0 = bf16x2_to_float2(buf[u].x), w1 = bf16x2_to_float2(buf[u].y);
            float2 w2 = bf16x2_to_float2(buf[u].z), w3 = bf16x2_to_float2(buf[u].w);
#pragma unroll
            for (int t = 0; t < MAXT; t++) {
                if (t < T) {
                    uint4 xv = __ldg(reinterpret_cast<const uint4*>(x + (size_t)t * k) + c);
                    float2 x0 = bf16x2_to_float2(xv.x), x1 = bf16x2_to_float2(xv.y);
                    float2 x2 = bf16x2_to_float2(xv.z), x3 = bf16x2_to_float2(xv.w);
                    float s = w0.x * x0.x;
                    s = fmaf(w0.y, x0.y, s); s = fmaf(w1.x, x1.x, s); s = fmaf(w1.y, x1.y, s);
                    s = fmaf(w2.x, x2.x, s); s = fmaf(w2.y, x2.y, s); s = fmaf(w3.x, x3.x, s);
                    s = fmaf(w3.y, x3.y, s);
                    acc[t] += s;
                }
            }
        }
    }
};

template <int MAXT, int MODE>   // MODE 0: BF16 out, 1: f32 out, 2: f32 out +=
__device__ void gemv2(void* __restrict__ out, const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                      int T, int n, int k) {
    const int lane = threadIdx.x & 31;
    const int j = blockIdx.x * GEMV_WARPS + (threadIdx.x >> 5);
    if (j >= n) return;
    GemvRow<MAXT> row;
    row.w = reinterpret_cast<const uint4*>(w + (size_t)j * k);
    row.x = x;
    row.chunks = k / 8;
    row.k = k;
    row.T = T;
    row.lane = lane;
#pragma unroll
    for (int t = 0; t < MAXT; t++) row.acc[t] = 0.f;
    constexpr int STEP = GEMV_BATCH * 32;   // chunks per batch of the warp
    uint4 a[GEMV_BATCH], b[GEMV_BATCH];
    row.fetch(a, 0);
    for (int base = 0; base < row.chunks; base += 2 * STEP) {
        row.fetch(b, base + STEP);   // predicated off past the row's end
        row.use(a, base);
        row.fetch(a, base + 2 * STEP);
        row.use(b, base + STEP);
    }
#pragma unroll
    for (int t = 0; t < MAXT; t++) {
        if (t < T) {
            float v = warp_sum(row.acc[t]);
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
    extern "C" __global__ void __launch_bounds__(256) gemv_v2_t##MAXT##_bf16(                                   \
        void* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int T, int n, int k) {                       \
        gemv2<MAXT, 0>(out, x, w, T, n, k);                                                                      \
    }                                                                                                             \
    extern "C" __global__ void __launch_bounds__(256) gemv_v2_t##MAXT##_f32(                                    \
        void* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int T, int n, int k) {                       \
        gemv2<MAXT, 1>(out, x, w, T, n, k);                                                                      \
    }                                                                                                             \
    extern "C" __global__ void __launch_bounds__(256) gemv_v2_t##MAXT##_add(                                    \
        void* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int T, int n, int k) {                       \
        gemv2<MAXT, 2>(out, x, w, T, n, k);                                                                      \
    }
INSTANTIATE_GEMV(1)
INSTANTIATE_GEMV(2)
INSTANTIATE_GEMV(4)
