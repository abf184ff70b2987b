// quantize_fp8: per-row FP8 E4M3 quantisation (the activations of every W8A8 GEMM, one row per
// token; the same rule as io.specprefill.udf.model.Fp8, so codes and scales equal the CPU twin's bit
// for bit), and the epilogue that rescales an unscaled FP8 GEMM.
//   quantize_fp8_v1_<f32|bf16>: x [rows, k] (f32 or BF16) -> q [rows, k] E4M3 bytes, scale [rows] f32:
//     s = absmax / 448 (1 for a zero row), q = E4M3(x / s), IEEE division (nvcc's default -prec-div),
//     round to nearest even, saturated to +-448 (__NV_SATFINITE). One block per row.
//   fp8_scale_v1_<f32|bf16>: out [T, n] = acc [T, n] f32 * (sx[t] * sw[j]); with accumulate (f32
//     out only) out += it. Version 1 of the FP8 GEMM (Fp8Kernels): an unscaled cuBLASLt FP8 GEMM into
//     f32 scratch, then this. Version 2 has cuBLASLt apply both scale vectors itself (outer-vector
//     scaling, CUDA 12.9+), with no scratch and no extra pass.
// Live: both versions, chosen by specprefill.cuda.fp8GemmVersion (default 2, falling back to 1 where
// cuBLASLt refuses outer-vector scales). Measured (KernelBench small, H200, 2026-11-30, graph-replayed,
// L2 flushed): quantize_fp8_v1_bf16 over a 4K prefill's rows, T=4096 k=4096, 0.045 ms (27% of the
// 4258 GB/s copy ceiling); one row of k=14336 0.028 ms (one block: latency). The GEMMs around it:
// BENCHMARKS.md, "FP8".
#include "common.cuh"
#include <cuda_fp8.h>

#define FP8_MAX 448.f

template <typename T>
__device__ __forceinline__ void quantize_row(uint8_t* __restrict__ q, float* __restrict__ scale,
                                             const T* __restrict__ x, int k) {
    __shared__ float red[32];
    long row = blockIdx.x;
    const T* xr = x + row * k;
    float m = 0.f;
    for (int i = threadIdx.x; i < k; i += blockDim.x) m = fmaxf(m, fabsf(to_f32(xr[i])));
    m = block_max(m, red);
    float s = m > 0.f ? m / FP8_MAX : 1.f;
    if (threadIdx.x == 0) scale[row] = s;
    uint8_t* qr = q + row * k;
    for (int i = threadIdx.x; i < k; i += blockDim.x) {
        qr[i] = (uint8_t) __nv_cvt_float_to_fp8(to_f32(xr[i]) / s, __NV_SATFINITE, __NV_E4M3);
    }
}

extern "C" __global__ void quantize_fp8_v1_f32(uint8_t* q, float* scale, const float* x, int k) {
    quantize_row(q, scale, x, k);
}

extern "C" __global__ void quantize_fp8_v1_bf16(uint8_t* q, float* scale, const __nv_bfloat16* x, int k) {
    quantize_row(q, scale, x, k);
}

template <typename T>
__device__ __forceinline__ void scale_out(T* __restrict__ out, const float* __restrict__ acc,
                                          const float* __restrict__ sx, const float* __restrict__ sw,
                                          int T_, int n, int accumulate) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long) T_ * n) return;
    int t = (int) (i / n), j = (int) (i % n);
    float v = acc[i] * (sx[t] * sw[j]);
    out[i] = from_f32<T>(accumulate ? to_f32(out[i]) + v : v);
}

extern "C" __global__ void fp8_scale_v1_f32(float* out, const float* acc, const float* sx, const float* sw, int T,
                                            int n, int accumulate) {
    scale_out(out, acc, sx, sw, T, n, accumulate);
}

extern "C" __global__ void fp8_scale_v1_bf16(__nv_bfloat16* out, const float* acc, const float* sx, const float* sw,
                                             int T, int n, int accumulate) {
    scale_out(out, acc, sx, sw, T, n, accumulate);
}
