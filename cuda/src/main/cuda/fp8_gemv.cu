// fp8_gemv: the W8A8 GEMM of one decode row (T = 1) without cuBLASLt: out[j] (+)= (sum_k qx[k] qw[j, k])
// * (sx * sw[j]), the codes E4M3, the sum float32 (Backend.weightFp8's semantics; CpuFp8 is the twin).
// Why: at T = 1 cuBLASLt's FP8 GEMMs reach 20-46% of the copy ceiling where BF16 reaches 50-86%
// (H200, 2026-11-30, BENCHMARKS.md "FP8"), so FP8 decode ran slower than BF16 although it reads half
// the bytes. Here the time is n * k bytes over the bandwidth, like a BF16 GEMV's at half the bytes.
// Shapes: qx [k] E4M3 codes and sx [1] f32 (quantize_fp8_v1 of the row, run just before), w [n, k]
//   E4M3 row-major, sw [n] f32; out [n] BF16, f32 or f32 +=. k % 16 == 0, qx and w 16-byte aligned
//   (the launcher checks).
// v1: 256 threads = 8 warps, a warp per output j (row j of w), lanes interleaved over 16-byte chunks
//   (16 codes); the row streams in batches of 8 chunks a lane (4 KB a warp) through two register
//   buffers, the next batch's loads issued before the current one is used (gemv_v2's scheme, which
//   was right at large n and lost at small n to cuBLAS BF16; here the bytes per row are half). The
//   codes widen E4M3 -> half2 -> float2 (exact), products accumulate in float32. Grid ceil(n / 8).
// Live: KernelChoice.fp8GemmVersion 3, the default (decode rows by this, others as version 2).
// Measured (H200, 2026-11-30, BENCHMARKS.md "FP8"): a whole decode step, replayed as a CUDA graph,
// 8B shape over a 32K cache 5.98 ms against 7.05 by cuBLASLt (version 2) and 6.14 in BF16; 70B shape
// 29.8 against 42.2 ms. Alone and not in a graph (KernelBench 0 fp8, quantize included) it is no
// faster than cuBLASLt's unscaled GEMM: n=28672 k=4096 0.058 ms (48% of the copy ceiling) against
// 0.044 (v1) and 0.058 (v2); n=4096 k=14336 0.054 against 0.049 and 0.070. What is left: the
// launch-bound small shapes and 48% at large n (the register double buffer of 8 chunks a lane).
#include "common.cuh"
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#define FP8_GEMV_WARPS 8
#define FP8_GEMV_BATCH 8

// Four E4M3 codes (one 32-bit word, lowest byte first) as floats.
__device__ __forceinline__ void e4m3x4_to_float(uint32_t w, float2& lo, float2& hi) {
    __half2_raw a = __nv_cvt_fp8x2_to_halfraw2((__nv_fp8x2_storage_t)(w & 0xffffu), __NV_E4M3);
    __half2_raw b = __nv_cvt_fp8x2_to_halfraw2((__nv_fp8x2_storage_t)(w >> 16), __NV_E4M3);
    lo = __half22float2(*reinterpret_cast<__half2*>(&a));
    hi = __half22float2(*reinterpret_cast<__half2*>(&b));
}

__device__ __forceinline__ float dot_word(uint32_t wq, uint32_t xq, float acc) {
    float2 w0, w1, x0, x1;
    e4m3x4_to_float(wq, w0, w1);
    e4m3x4_to_float(xq, x0, x1);
    acc = fmaf(w0.x, x0.x, acc);
    acc = fmaf(w0.y, x0.y, acc);
    acc = fmaf(w1.x, x1.x, acc);
    return fmaf(w1.y, x1.y, acc);
}

struct Fp8GemvRow {
    const uint4* w;   // row j, 16-byte chunks
    const uint4* x;   // the row's codes, 16-byte chunks
    int chunks, lane;
    float acc;

    __device__ __forceinline__ void fetch(uint4 (&buf)[FP8_GEMV_BATCH], int base) const {
#pragma unroll
        for (int u = 0; u < FP8_GEMV_BATCH; u++) {
            int c = base + u * 32 + lane;
            buf[u] = c < chunks ? load_stream16(w + c) : make_uint4(0, 0, 0, 0);
        }
    }

    __device__ __forceinline__ void use(const uint4 (&buf)[FP8_GEMV_BATCH], int base) {
#pragma unroll
        for (int u = 0; u < FP8_GEMV_BATCH; u++) {
            int c = base + u * 32 + lane;
            if (c >= chunks) break;
            uint4 xv = __ldg(x + c);
            acc = dot_word(buf[u].x, xv.x, acc);
            acc = dot_word(buf[u].y, xv.y, acc);
            acc = dot_word(buf[u].z, xv.z, acc);
            acc = dot_word(buf[u].w, xv.w, acc);
        }
    }
};

template <int MODE>   // 0: BF16 out, 1: f32 out, 2: f32 out +=
__device__ void fp8_gemv1(void* __restrict__ out, const uint8_t* __restrict__ qx, const float* __restrict__ sx,
                          const uint8_t* __restrict__ w, const float* __restrict__ sw, int n, int k) {
    const int lane = threadIdx.x & 31;
    const int j = blockIdx.x * FP8_GEMV_WARPS + (threadIdx.x >> 5);
    if (j >= n) return;
    Fp8GemvRow row;
    row.w = reinterpret_cast<const uint4*>(w + (size_t)j * k);
    row.x = reinterpret_cast<const uint4*>(qx);
    row.chunks = k / 16;
    row.lane = lane;
    row.acc = 0.f;
    constexpr int STEP = FP8_GEMV_BATCH * 32;
    uint4 a[FP8_GEMV_BATCH], b[FP8_GEMV_BATCH];
    row.fetch(a, 0);
    for (int base = 0; base < row.chunks; base += 2 * STEP) {
        row.fetch(b, base + STEP);   // predicated off past the row's end
        row.use(a, base);
        row.fetch(a, base + 2 * STEP);
        row.use(b, base + STEP);
    }
    float v = warp_sum(row.acc);
    if (lane == 0) {
        v *= sx[0] * sw[j];   // the order of CpuFp8: the sum times (sx * sw[j])
        if (MODE == 0) reinterpret_cast<__nv_bfloat16*>(out)[j] = __float2bfloat16_rn(v);
        else if (MODE == 1) reinterpret_cast<float*>(out)[j] = v;
        else reinterpret_cast<float*>(out)[j] += v;
    }
}

extern "C" __global__ void __launch_bounds__(256) fp8_gemv_v1_bf16(void* out, const uint8_t* qx, const float* sx,
                                                                  const uint8_t* w, const float* sw, int n, int k) {
    fp8_gemv1<0>(out, qx, sx, w, sw, n, k);
}

extern "C" __global__ void __launch_bounds__(256) fp8_gemv_v1_f32(void* out, const uint8_t* qx, const float* sx,
                                                                 const uint8_t* w, const float* sw, int n, int k) {
    fp8_gemv1<1>(out, qx, sx, w, sw, n, k);
}

extern "C" __global__ void __launch_bounds__(256) fp8_gemv_v1_add(void* out, const uint8_t* qx, const float* sx,
                                                                 const uint8_t* w, const float* sw, int n, int k) {
    fp8_gemv1<2>(out, qx, sx, w, sw, n, k);
}
