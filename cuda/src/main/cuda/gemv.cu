// gemv v3: one decode row (T = 1) through a BF16 weight, out[j] (+)= sum_k x[k] w[j, k] (float32 sum),
// the shape cuBLAS serves worst: at T = 1 its kernels for the 8B's qkv (n=6144, k=4096) run 96 blocks
// on 132 SMs (66-71% of the copy ceiling) and wo (n=4096, k=4096, +=) a split-K kernel plus a
// reduction (53%), ncu on an H200, 2026-11-30.
// Why v1 and v2 lost (deleted; numbers in Kernels.matmul's javadoc): a warp streamed its row through a
// register double buffer of 8 chunks a lane, so a 4096-long row was several dependent load round trips
// deep. Here a warp issues its whole row at once (k <= 4096: at most 16 16-byte loads a lane, 8 KB a
// warp), and three blocks of 8 warps share an SM, ~190 KB in flight an SM: the time is one round trip
// plus the bytes over the bandwidth.
// Shapes: x [k] BF16, w [n, k] BF16 row-major, out [n] BF16, f32 or f32 +=; k % 8 == 0, k <= 256 * CPL,
//   x and w 16-byte aligned (the launcher checks). Block 256 threads = 8 warps, warp w of block b owns
//   row j = 8b + w; x is staged in shared memory (BF16) after the weight loads are issued, so its
//   latency hides under theirs. Variants fuse a decode step's neighbours into the epilogue: SwiGLU
//   (gate and up rows in one block) and RoPE plus the cache write (a head's rows i and i + D/2).
// Measured (H200, 2026-11-30, BENCHMARKS.md "Third pass on decode"): alone, graph-replayed with L2
//   flushed, it ties cuBLAS (qkv n=6144 0.017 ms, 70% of the copy ceiling; wo n=4096 += 0.015, 53%;
//   n=28672 0.059, 94%; lm_head n=128256 0.240, 104%). In the 8B step over a 32K cache (ncu, a layer):
//   qkv + RoPE + cache write 17.9 us, wo 12.8, gate/up + SwiGLU 57.0; the step 5.62 ms against 5.98
//   with cuBLAS and those ops apart, in one call. Tried and dropped: the rmsnorm fused in (every block
//   normalising the row itself: qkv 23.7 us, gate/up 87.5) and four warps a row for k = 14336 (the
//   down projection: 40.3 us against cuBLAS's 35.6 with its reduction).
// Launched programmatically (ProgrammaticLaunch, sm_90): a block issues its weight loads, then waits
//   for the kernel before it (pdl_wait) before it reads x, so the loads overlap that kernel's tail. It
//   lets its own successor start early too (pdl_launch_dependents): the decode attention after the qkv
//   projection streams the older keys of the cache while the projection finishes.
#include "common.cuh"

#define GEMV_WARPS 8

__device__ __forceinline__ float dot_bf16x2(uint32_t w, uint32_t x, float acc) {
    float2 a = bf16x2_to_float2(w), b = bf16x2_to_float2(x);
    return fmaf(a.y, b.y, fmaf(a.x, b.x, acc));
}

// x [k] BF16 into shared memory as 16-byte chunks xs[k / 8], for every warp of the block. A coherent
// (L2) load, not the read-only path: under programmatic launch the kernel that writes x may still have
// been running when this one started.
__device__ __forceinline__ void gemv_stage_x(uint4* xs, const __nv_bfloat16* x, int k) {
    const uint4* x4 = reinterpret_cast<const uint4*>(x);
    for (int c = threadIdx.x; c < (k >> 3); c += blockDim.x) xs[c] = __ldcg(x4 + c);
    __syncthreads();
}

// One weight row's dot product with the staged x, summed over the warp (every lane gets it). Every
// thread of the block must call it (the staging has barriers); rows with valid false load nothing.
template <int CPL>
__device__ __forceinline__ float gemv3_row(uint4* xs, const __nv_bfloat16* __restrict__ x,
                                           const __nv_bfloat16* __restrict__ w, size_t wrow, bool valid, int k) {
    const int lane = threadIdx.x & 31, chunks = k >> 3;
    uint4 buf[CPL];
    if (valid) {
        const uint4* row = reinterpret_cast<const uint4*>(w + wrow * k);
#pragma unroll
        for (int u = 0; u < CPL; u++) {
            int c = u * 32 + lane;
            buf[u] = c < chunks ? load_stream16(row + c) : make_uint4(0, 0, 0, 0);
        }
    }
    pdl_launch_dependents();  // a programmatic successor may start its own prologue (its weights, older keys)
    pdl_wait();               // the weights are ours; x (and what the epilogue writes) is the previous kernel's
    gemv_stage_x(xs, x, k);   // after the weight loads: its latency hides under theirs
    float acc0 = 0.f, acc1 = 0.f;
    if (valid) {
#pragma unroll
        for (int u = 0; u < CPL; u++) {
            int c = u * 32 + lane;
            if (c < chunks) {
                uint4 xv = xs[c];
                acc0 = dot_bf16x2(buf[u].x, xv.x, acc0);
                acc1 = dot_bf16x2(buf[u].y, xv.y, acc1);
                acc0 = dot_bf16x2(buf[u].z, xv.z, acc0);
                acc1 = dot_bf16x2(buf[u].w, xv.w, acc1);
            }
        }
    }
    return warp_sum(acc0 + acc1);
}

// MODE 0: BF16 out, 1: f32 out, 2: f32 out +=. Warp w of block b owns row 8b + w.
template <int CPL, int MODE>
__device__ void gemv3(void* __restrict__ out, const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                      int n, int k) {
    extern __shared__ __align__(16) uint4 xs[];   // [k / 8]
    const int j = blockIdx.x * GEMV_WARPS + (threadIdx.x >> 5);
    float v = gemv3_row<CPL>(xs, x, w, j, j < n, k);
    if ((threadIdx.x & 31) == 0 && j < n) {
        if (MODE == 0) reinterpret_cast<__nv_bfloat16*>(out)[j] = __float2bfloat16_rn(v);
        else if (MODE == 1) reinterpret_cast<float*>(out)[j] = v;
        else reinterpret_cast<float*>(out)[j] += v;
    }
}

// Rows in pairs (lo, hi) = (r, r + off): warps 0-3 of block b compute the lo rows of pairs 4b..4b+3,
// warps 4-7 their hi rows; the pair's two sums meet in shared memory and lane 0 of the lo warp gets
// both. pairRows(p) gives pair p's lo row and off.
struct GemvPair {
    float lo, hi;
    int p;        // the pair this thread finishes, valid where finisher
    bool finisher;
};

template <int CPL, typename PairRows>
__device__ __forceinline__ GemvPair gemv3_pair(uint4* xs, const __nv_bfloat16* __restrict__ x,
                                               const __nv_bfloat16* __restrict__ w, int pairs, int k, PairRows pairRows) {
    __shared__ float his[GEMV_WARPS / 2];
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int p = blockIdx.x * (GEMV_WARPS / 2) + (warp & 3);
    int lo = 0, off = 0;
    if (p < pairs) pairRows(p, lo, off);
    float v = gemv3_row<CPL>(xs, x, w, (size_t)lo + (warp >= 4 ? off : 0), p < pairs, k);
    if (lane == 0 && warp >= 4) his[warp - 4] = v;
    __syncthreads();
    GemvPair r;
    r.finisher = lane == 0 && warp < 4 && p < pairs;
    r.lo = v;
    r.hi = r.finisher ? his[warp] : 0.f;
    r.p = p;
    return r;
}

// The MLP's gate/up projection and SwiGLU: out[j] = silu(g) * u (BF16), g|u = x . w13 rows j, hidden + j.
template <int CPL>
__device__ void gemv3_swiglu(__nv_bfloat16* __restrict__ out, const __nv_bfloat16* __restrict__ x,
                             const __nv_bfloat16* __restrict__ w13, int hidden, int k) {
    extern __shared__ __align__(16) uint4 xs[];
    GemvPair r = gemv3_pair<CPL>(xs, x, w13, hidden, k, [hidden](int p, int& lo, int& off) {
        lo = p;
        off = hidden;
    });
    if (r.finisher) out[r.p] = __float2bfloat16_rn(r.lo / (1.f + __expf(-r.lo)) * r.hi);
}

// The attention's input: qkv = rope(x . wqkv^T) for one row (BF16, x the normed row), its keys and values also
// written to the cache (kv_write's layout, at slot[0] of sequence seq[0]). A pair is (i, i + D/2) of
// one head: RoPE rotates exactly such pairs (rope_v2's arithmetic, sincosf of the float32 angle), so
// the rotation happens on the float32 sums before the one rounding to BF16.
template <int CPL>
__device__ void gemv3_qkv(__nv_bfloat16* __restrict__ qkv, const __nv_bfloat16* __restrict__ x,
                          const __nv_bfloat16* __restrict__ wqkv, int k, const int* __restrict__ positions,
                          const float* __restrict__ invFreq, __nv_bfloat16* __restrict__ kc,
                          __nv_bfloat16* __restrict__ vc, const int* __restrict__ seq, const int* __restrict__ slot,
                          int nHeads, int nKvHeads, int headDim, int capacity) {
    extern __shared__ __align__(16) uint4 xs[];
    const int half = headDim / 2;
    const int pairs = (nHeads + 2 * nKvHeads) * half;
    GemvPair r = gemv3_pair<CPL>(xs, x, wqkv, pairs, k, [half, headDim](int p, int& lo, int& off) {
        lo = p / half * headDim + p % half;
        off = half;
    });
    if (!r.finisher) return;
    const int head = r.p / half, i = r.p - head * half;
    float a = r.lo, b = r.hi;
    if (head < nHeads + nKvHeads) {   // queries and keys rotate; values do not
        float sn, cs;
        sincosf((float)positions[0] * invFreq[i], &sn, &cs);
        a = r.lo * cs - r.hi * sn;
        b = r.hi * cs + r.lo * sn;
    }
    __nv_bfloat16 ab = __float2bfloat16_rn(a), bb = __float2bfloat16_rn(b);
    const int lo = head * headDim + i;
    qkv[lo] = ab;
    qkv[lo + half] = bb;
    if (head >= nHeads) {
        const bool value = head >= nHeads + nKvHeads;
        const int g = head - nHeads - (value ? nKvHeads : 0);
        __nv_bfloat16* cache = value ? vc : kc;
        size_t at = (((size_t)seq[0] * nKvHeads + g) * capacity + slot[0]) * headDim + i;
        cache[at] = ab;
        cache[at + half] = bb;
    }
}

#define GEMV3_KERNEL(NAME, CPL, MODE)                                                                            \
    extern "C" __global__ void __launch_bounds__(256, 3) NAME(void* out, const __nv_bfloat16* x,                  \
                                                            const __nv_bfloat16* w, int n, int k) {              \
        gemv3<CPL, MODE>(out, x, w, n, k);                                                                       \
    }
#define INSTANTIATE_GEMV3(CPL)                                                                                    \
    GEMV3_KERNEL(gemv_v3_c##CPL##_bf16, CPL, 0)                                                                   \
    GEMV3_KERNEL(gemv_v3_c##CPL##_f32, CPL, 1)                                                                    \
    GEMV3_KERNEL(gemv_v3_c##CPL##_add, CPL, 2)                                                                    \
    extern "C" __global__ void __launch_bounds__(256, 3) gemv_v3_swiglu_c##CPL##_bf16(                            \
        __nv_bfloat16* out, const __nv_bfloat16* x, const __nv_bfloat16* w13, int hidden, int k) {                \
        gemv3_swiglu<CPL>(out, x, w13, hidden, k);                                                                \
    }                                                                                                             \
    extern "C" __global__ void __launch_bounds__(256, 3) gemv_v3_qkv_c##CPL##_bf16(                               \
        __nv_bfloat16* qkv, const __nv_bfloat16* x, const __nv_bfloat16* wqkv, int k, const int* positions,       \
        const float* invFreq, __nv_bfloat16* kc, __nv_bfloat16* vc, const int* seq, const int* slot, int nHeads,  \
        int nKvHeads, int headDim, int capacity) {                                                                \
        gemv3_qkv<CPL>(qkv, x, wqkv, k, positions, invFreq, kc, vc, seq, slot, nHeads, nKvHeads, headDim,         \
                       capacity);                                                                                 \
    }
INSTANTIATE_GEMV3(4)
INSTANTIATE_GEMV3(8)
INSTANTIATE_GEMV3(16)
