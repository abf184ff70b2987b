// sample_top_p: temperature + top-p (nucleus) sampling, out[r] for r < R, as Backend.sampleTopP and
// its CPU twin TopPSampling.sampleRow. Shapes: logits [R, vocab] f32; params [3][R] f32 (temperature,
// topP, uniform u of each row; checked on the host: T > 0 finite, topP in (0, 1], u in [0, 1));
// out [R] int32. Row x: e_j = expf((x_j - max x) / T), S = sum e; nucleus = tokens with key(x_j) >= k*,
// k* the largest logit key whose tokens at or above hold mass >= topP * S (a tie at the threshold is kept
// whole); K = kept mass; out = first kept j (ascending id) whose running kept mass exceeds u * K, else
// the last kept id (float rounding).
// Live: v1, one block of 1024 threads per row, sort-free: block max; binary search on the ordered int
// key of float logits (<= 32 passes over the row, each a masked block sum of e, recomputed so nothing
// but 3 small shared arrays is stored); then each thread sums its contiguous chunk of kept e, a block
// exclusive scan gives the running mass in index order, and each thread walks its chunk for the first
// crossing (block min), falling back to the block max of kept ids.
// Measured (KernelBench small, H200, 2026-11-30, with the parameters' upload as a step does it):
// vocab 128256, 1.33 ms at R=1 and 1.38 at R=32: one block a row, up to 32 passes over it, so a
// sampled token costs a quarter of an 8B decode step (5.4 ms); greedy decoding (argmax_v2, 10 us)
// does not pay it. A multi-block row (split passes, a second-level reduction) is the next version.
#include "common.cuh"

#define SAMPLE_THREADS 1024

// Order-preserving key of a float: key(a) < key(b) iff a < b; -0 maps to +0 (TopPSampling.key).
__device__ __forceinline__ int logit_key(float x) {
    int b = __float_as_int(x);
    if (b == (int)0x80000000) b = 0;
    return b >= 0 ? b : b ^ 0x7fffffff;
}

// Sum of e_j over the tokens with key >= k (every thread gets the same value, so branches on it agree).
__device__ float mass_from(const float* row, int vocab, float xmax, float T, int k, float* red) {
    float s = 0.f;
    for (int j = threadIdx.x; j < vocab; j += blockDim.x) {
        float x = row[j];
        if (logit_key(x) >= k) s += expf((x - xmax) / T);
    }
    return block_sum(s, red);
}

__device__ __forceinline__ int block_min_int(int v, int* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nWarps = blockDim.x >> 5;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(0xffffffffu, v, o));
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < nWarps ? scratch[lane] : 0x7fffffff;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(0xffffffffu, v, o));
    __syncthreads();
    return v;
}

__device__ __forceinline__ int block_max_int(int v, int* scratch) {
    return -block_min_int(-v, scratch);   // ids and -1 only: no overflow
}

// The sampled id among the tokens with key >= k, walking them in ascending id.
__device__ int draw(const float* row, int vocab, float xmax, float T, int k, float u, float* wsum, int* iscratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nWarps = blockDim.x >> 5;
    const int chunk = (vocab + blockDim.x - 1) / blockDim.x;
    const int begin = min(vocab, (int)threadIdx.x * chunk), end = min(vocab, begin + chunk);
    float local = 0.f;
    int lastKept = -1;
    for (int j = begin; j < end; j++) {
        float x = row[j];
        if (logit_key(x) >= k) { local += expf((x - xmax) / T); lastKept = j; }
    }
    float incl = local;   // inclusive scan within the warp
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        float y = __shfl_up_sync(0xffffffffu, incl, o);
        if (lane >= o) incl += y;
    }
    float exclInWarp = __shfl_up_sync(0xffffffffu, incl, 1);
    if (lane == 0) exclInWarp = 0.f;
    if (lane == 31) wsum[warp] = incl;
    __syncthreads();
    if (warp == 0) {      // inclusive scan of the warp totals
        float v = lane < nWarps ? wsum[lane] : 0.f;
#pragma unroll
        for (int o = 1; o < 32; o <<= 1) {
            float y = __shfl_up_sync(0xffffffffu, v, o);
            if (lane >= o) v += y;
        }
        wsum[lane] = v;
    }
    __syncthreads();
    const float target = u * wsum[nWarps - 1];
    float cum = (warp > 0 ? wsum[warp - 1] : 0.f) + exclInWarp;
    int found = 0x7fffffff;
    for (int j = begin; j < end; j++) {
        float x = row[j];
        if (logit_key(x) >= k) {
            cum += expf((x - xmax) / T);
            if (cum > target) { found = j; break; }
        }
    }
    found = block_min_int(found, iscratch);
    if (found != 0x7fffffff) return found;
    return block_max_int(lastKept, iscratch);
}

extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
sample_top_p_v1(int* __restrict__ out, const float* __restrict__ logits, const float* __restrict__ params,
                int R, int vocab) {
    __shared__ float red[32];
    __shared__ float wsum[32];
    __shared__ int iscratch[32];
    const int r = blockIdx.x;
    if (r >= R) return;   // whole block: no barrier is skipped by part of it
    const float* row = logits + (size_t)r * vocab;
    const float T = params[r], topP = params[R + r], u = params[2 * R + r];
    float m = NEG_INF;
    for (int j = threadIdx.x; j < vocab; j += blockDim.x) m = fmaxf(m, row[j]);
    const float xmax = block_max(m, red);
    const float target = topP * mass_from(row, vocab, xmax, T, (int)0x80000000, red);
    // invariant: mass(lo) >= target (lo = INT_MIN keeps every token); mass(hi) < target (above the max)
    long long lo = (int)0x80000000, hi = (long long)logit_key(xmax) + 1;
    while (hi - lo > 1) {
        int mid = (int)(lo + (hi - lo) / 2);
        if (mass_from(row, vocab, xmax, T, mid, red) >= target) lo = mid; else hi = mid;
    }
    int id = draw(row, vocab, xmax, T, (int)lo, u, wsum, iscratch);
    if (threadIdx.x == 0) out[r] = id;
}
