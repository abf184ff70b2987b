// importance: speculative-prefill token importance (docs/design.md 4, steps 3-4) of one sequence, from the
// recorded post-RoPE queries and the BF16 key cache. For every layer l, query head h (KV head
// h / (H/G)) and recorded query a: p = softmax over the n prompt keys of q.k/sqrt(D) (float32);
// p is average-pooled (kernel W odd, stride 1, zero padding W/2 counted); then the max over (l, h)
// and the mean over the A queries: s[j], j < n. Never an n x n matrix: per layer the launcher runs
//   importance_logits_v1   grid (ceil(n/32), G), 256 threads: z[h][a][j] = q.k_j/sqrt(D) for the
//                          H/G heads of KV head g and all A queries (keys read once per layer);
//   importance_softmax_v1  grid (H*A): per row max m and sum l of exp(z - m);
//   importance_pool_max_v1 grid (ceil(n/256), A): pooled p = exp(z - m) / l, max over h into acc[a][j]
//                          (the first layer stores, later layers take the max);
// and after the last layer importance_mean_v1 writes s[j] = sum_a acc[a][j] / A (a in order).
// Scratch: z [H][A][n] f32 and acc [A][n] f32, O(H * A * n): reused for every layer.
// Window sums run left to right in float32, as the CPU twin (CpuAttention.avgPool) does.
// Shapes: queries: the block of (layer l, sequence seq), [maxQueries][H * D] f32; kc: the layer's
//   block [batch][G][capacity][D] BF16. Live: v1.
// H200 (2026-11-30): L=16 H=32 G=8 D=64 n=32768 A=8 (the 1B draft at 32K) 5.06 ms, 424 GB/s, 10% of
//   the copy ceiling (the pooled softmax passes dominate; 1.5% of a 32K speculative-prefill TTFT).
#include "common.cuh"

#define KT 32   // keys per logits block

extern "C" __global__ void importance_logits_v1(float* __restrict__ z, const float* __restrict__ queries,
                                                const __nv_bfloat16* __restrict__ kc, int seq, int n, int A,
                                                int nHeads, int nKvHeads, int headDim, int capacity, float scale) {
    extern __shared__ float smem[];
    const int kvMul = nHeads / nKvHeads, D = headDim, R = kvMul * A;
    const int g = blockIdx.y, j0 = blockIdx.x * KT;
    float* qs = smem;                                                      // [R][D], r = hl * A + a
    uint32_t* ks = reinterpret_cast<uint32_t*>(smem + R * D);              // [KT][D/2 + 1] BF16 pairs
    const int kstride = D / 2 + 1;                                         // odd: lanes hit distinct banks
    for (int i = threadIdx.x; i < R * D; i += blockDim.x) {
        int r = i / D, d = i - r * D, hl = r / A, a = r - hl * A;
        qs[i] = queries[(size_t)a * nHeads * D + (g * kvMul + hl) * D + d] * scale;
    }
    const uint32_t* k2 = reinterpret_cast<const uint32_t*>(kc + ((size_t)seq * nKvHeads + g) * capacity * D);
    for (int i = threadIdx.x; i < KT * (D / 2); i += blockDim.x) {
        int j = i / (D / 2), d2 = i - j * (D / 2);
        ks[j * kstride + d2] = j0 + j < n ? k2[(size_t)(j0 + j) * (D / 2) + d2] : 0u;
    }
    __syncthreads();
    const int j = threadIdx.x & 31;
    if (j0 + j >= n) return;
    for (int r = threadIdx.x >> 5; r < R; r += blockDim.x >> 5) {
        float acc = 0.f;
        for (int d2 = 0; d2 < D / 2; d2++) {
            float2 k = bf16x2_to_float2(ks[j * kstride + d2]);
            acc += qs[r * D + 2 * d2] * k.x + qs[r * D + 2 * d2 + 1] * k.y;
        }
        int hl = r / A, a = r - hl * A;
        z[((size_t)(g * kvMul + hl) * A + a) * n + j0 + j] = acc;
    }
}

extern "C" __global__ void importance_softmax_v1(float2* __restrict__ stats, const float* __restrict__ z, int n) {
    __shared__ float scratch[32];
    const float* row = z + (size_t)blockIdx.x * n;
    float m = NEG_INF;
    for (int j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, row[j]);
    m = block_max(m, scratch);
    float l = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) l += expf(row[j] - m);
    l = block_sum(l, scratch);
    if (threadIdx.x == 0) stats[blockIdx.x] = make_float2(m, l);
}

extern "C" __global__ void importance_pool_max_v1(float* __restrict__ acc, const float* __restrict__ z,
                                                  const float2* __restrict__ stats, int n, int A, int nHeads,
                                                  int kernel, int first) {
    extern __shared__ float seg[];   // [blockDim.x + kernel - 1]
    const int a = blockIdx.y, half = kernel / 2;
    const int j0 = blockIdx.x * blockDim.x, j = j0 + threadIdx.x;
    const int segLen = blockDim.x + kernel - 1;
    float best = NEG_INF;
    for (int h = 0; h < nHeads; h++) {
        const float* row = z + ((size_t)h * A + a) * n;
        float2 st = stats[h * A + a];
        __syncthreads();   // the previous head's window reads are done
        for (int i = threadIdx.x; i < segLen; i += blockDim.x) {
            int src = j0 - half + i;
            seg[i] = src >= 0 && src < n ? expf(row[src] - st.x) / st.y : 0.f;
        }
        __syncthreads();
        float sum = 0.f;
        for (int w = 0; w < kernel; w++) sum += seg[threadIdx.x + w];
        best = fmaxf(best, sum / kernel);
    }
    if (j < n) acc[(size_t)a * n + j] = first ? best : fmaxf(acc[(size_t)a * n + j], best);
}

extern "C" __global__ void importance_mean_v1(float* __restrict__ out, const float* __restrict__ acc, int n, int A) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n) return;
    float s = 0.f;
    for (int a = 0; a < A; a++) s += acc[(size_t)a * n + j];
    out[j] = s / A;
}
