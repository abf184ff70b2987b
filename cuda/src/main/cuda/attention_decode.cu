// attention_decode: attention of single query rows against a long BF16 KV cache (flash-decoding):
//   out[t, h*D:(h+1)*D] = softmax_j(q_th . k_j / sqrt(D)) v_j, j in [0, slot[t]] of sequence seq[t].
// Each row is independent, so this is also the general fallback for any packed batch (every D up to
// 256, any mix of rows), at the price of reading the cache once per row.
// Shapes: qkv [T, (H + 2G) * D] and out [T, H * D], both f32 or both BF16 (suffix _f32 / _bf16);
//   kc, vc: the layer's block [batch][G][capacity][D] BF16; seq, slot [T] int32; partO
//   [T][H][splits][D] f32 and partML [T][H][splits][2] f32 (scratch).
// Live: v1. attention_decode_v1: grid (T, G, splits), 128 threads; block (t, g, s) scores keys
//   [s*CHUNK, min((s+1)*CHUNK, slot[t]+1)) for all H/G query heads of KV head g (the K and V rows are
//   read once for the whole group): a warp per key (lanes over d, 4-byte BF16x2 loads, coalesced),
//   softmax of the chunk in shared memory, then P.V with threads over (key group, d pair).
//   H100, H=32 G=8 D=128, one row over 32K keys: 0.221 ms = 608 GB/s, 20% of the copy ceiling
//   (2026-11-25): each warp walks its keys one at a time, a load then 4 dependent shuffle reductions.
// v2. attention_decode_v2: grid (T, G, splits of CHUNK2 = 128 keys), 128 threads; the chunk's K and V
//   rows go to shared memory by cp.async all at once (V lands while the scores are computed), then
//   thread j scores key j for all H/G heads from shared memory with 16-byte reads (rows padded by 8
//   BF16: conflict-free), no shuffles; softmax by block reductions; P.V as v1 but from shared memory.
//   Needs D % 8 == 0. Dynamic shared memory: 2 x 128 x (D + 8) BF16 + (H/G) x (D + 128 + 256) f32.
// H200, H=32 G=8, one row, graph-replayed with L2 flushed (2026-11-30, BENCHMARKS.md): v2 D=128 8K keys
//   0.039 ms, 32K 0.121 ms (26% of the copy ceiling); D=64 32K 0.053; v1 0.150 / 0.166 / 0.107. Both now
//   serve only the shapes attention_decode_v5 (tensor cores) has no instantiation for.
// attention_combine_v2 (below) merges the splits' (max, sum, unnormalised output), for both versions.
#include "common.cuh"

#define CHUNK 256
#define MAXKV 8       // H / G at most (Llama 3: 4; 70B: 8); the launcher checks
#define MAXD 256
#define THREADS 128

template <typename T>
__device__ void attention_decode1(
    float* __restrict__ partO, float* __restrict__ partML, const T* __restrict__ qkv,
    const __nv_bfloat16* __restrict__ kc, const __nv_bfloat16* __restrict__ vc, const int* __restrict__ seq,
    const int* __restrict__ slot, int nHeads, int nKvHeads, int headDim, int capacity, int splits, float scale) {
    __shared__ float qs[MAXKV * MAXD];
    __shared__ float sc[MAXKV * CHUNK];
    __shared__ float red[THREADS * 2 * MAXKV];
    const int t = blockIdx.x, g = blockIdx.y, sp = blockIdx.z;
    const int len = slot[t] + 1, j0 = sp * CHUNK;
    if (j0 >= len) return;
    const int j1 = min(len, j0 + CHUNK), n = j1 - j0;
    const int kvMul = nHeads / nKvHeads, D = headDim;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;

    const T* q = qkv + (size_t)t * (nHeads + 2 * nKvHeads) * D + (size_t)g * kvMul * D;
    for (int i = threadIdx.x; i < kvMul * D; i += THREADS) qs[i] = to_f32(q[i]) * scale;
    __syncthreads();

    const size_t headBase = ((size_t)seq[t] * nKvHeads + g) * capacity * D;
    const uint32_t* k2 = reinterpret_cast<const uint32_t*>(kc + headBase);
    for (int j = j0 + warp; j < j1; j += THREADS / 32) {
        float acc[MAXKV];
#pragma unroll
        for (int hl = 0; hl < MAXKV; hl++) acc[hl] = 0.f;
        for (int d2 = lane; d2 < D / 2; d2 += 32) {
            float2 k = bf16x2_to_float2(k2[(size_t)j * (D / 2) + d2]);
#pragma unroll
            for (int hl = 0; hl < MAXKV; hl++) {
                if (hl < kvMul) acc[hl] += qs[hl * D + 2 * d2] * k.x + qs[hl * D + 2 * d2 + 1] * k.y;
            }
        }
#pragma unroll
        for (int hl = 0; hl < MAXKV; hl++) {
            if (hl < kvMul) {
                float v = warp_sum(acc[hl]);
                if (lane == 0) sc[hl * CHUNK + j - j0] = v;
            }
        }
    }
    __syncthreads();

    // Chunk softmax per head: p = exp(s - m) in place, (m, l) kept for the combine.
    __shared__ float ml[MAXKV * 2];
    for (int hl = warp; hl < kvMul; hl += THREADS / 32) {
        float m = NEG_INF;
        for (int i = lane; i < n; i += 32) m = fmaxf(m, sc[hl * CHUNK + i]);
        m = warp_max(m);
        float l = 0.f;
        for (int i = lane; i < n; i += 32) {
            float p = expf(sc[hl * CHUNK + i] - m);
            sc[hl * CHUNK + i] = p;
            l += p;
        }
        l = warp_sum(l);
        if (lane == 0) { ml[2 * hl] = m; ml[2 * hl + 1] = l; }
    }
    __syncthreads();

    // P.V: thread (grp, pair) sums keys j0 + grp, j0 + grp + groups, ... for d = 2*pair, 2*pair + 1.
    const int pairs = D / 2, groups = THREADS / pairs;
    const int grp = threadIdx.x / pairs, pair = threadIdx.x - grp * pairs;
    float acc[MAXKV][2];
#pragma unroll
    for (int hl = 0; hl < MAXKV; hl++) acc[hl][0] = acc[hl][1] = 0.f;
    if (grp < groups) {
        const uint32_t* v2 = reinterpret_cast<const uint32_t*>(vc + headBase);
        for (int i = grp; i < n; i += groups) {
            float2 v = bf16x2_to_float2(v2[(size_t)(j0 + i) * pairs + pair]);
#pragma unroll
            for (int hl = 0; hl < MAXKV; hl++) {
                if (hl < kvMul) {
                    float p = sc[hl * CHUNK + i];
                    acc[hl][0] += p * v.x;
                    acc[hl][1] += p * v.y;
                }
            }
        }
    }
    // red [groups][kvMul][D]: reduce the key groups.
    if (grp < groups) {
#pragma unroll
        for (int hl = 0; hl < MAXKV; hl++) {
            if (hl < kvMul) {
                red[(grp * kvMul + hl) * D + 2 * pair] = acc[hl][0];
                red[(grp * kvMul + hl) * D + 2 * pair + 1] = acc[hl][1];
            }
        }
    }
    __syncthreads();
    for (int i = threadIdx.x; i < kvMul * D; i += THREADS) {
        float s = 0.f;
        for (int r = 0; r < groups; r++) s += red[r * kvMul * D + i];
        int hl = i / D, d = i - hl * D;
        size_t at = ((size_t)t * nHeads + g * kvMul + hl) * splits + sp;
        partO[at * D + d] = s;
        if (d == 0) { partML[2 * at] = ml[2 * hl]; partML[2 * at + 1] = ml[2 * hl + 1]; }
    }
}

// Merges the splits of row t, head h for 32 columns d (grid (T, H, ceil(D / 32)), 256 threads): the
// split weights exp(m_s - M) go to shared memory once (weights [splits] f32, dynamic), then 8 warps
// sum interleaved splits and reduce. (v1, one block of D threads per (t, h) walking every split with
// an exp per element, took ~0.1 ms of the 0.2 ms for one row over 32K keys at H=32: only 32 blocks.)
template <typename T>
__device__ void attention_combine2(T* __restrict__ out,
                                                                      const float* __restrict__ partO,
                                                                      const float* __restrict__ partML,
                                                                      const int* __restrict__ slot, int nHeads,
                                                                      int headDim, int splits, int chunk) {
    extern __shared__ float weight[];
    __shared__ float part[8][32], scratch[32];
    const int t = blockIdx.x, h = blockIdx.y, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int d = blockIdx.z * 32 + lane;
    const int used = (slot[t] + 1 + chunk - 1) / chunk;
    const size_t base = ((size_t)t * nHeads + h) * splits;
    float m = NEG_INF;
    for (int s = threadIdx.x; s < used; s += blockDim.x) m = fmaxf(m, partML[2 * (base + s)]);
    m = block_max(m, scratch);
    float l = 0.f;
    for (int s = threadIdx.x; s < used; s += blockDim.x) {
        float e = expf(partML[2 * (base + s)] - m);
        weight[s] = e;
        l += partML[2 * (base + s) + 1] * e;
    }
    l = block_sum(l, scratch);   // ends with a barrier: weight[] is complete
    float acc = 0.f;
    if (d < headDim) {
        for (int s = warp; s < used; s += 8) acc += partO[(base + s) * headDim + d] * weight[s];
    }
    part[warp][lane] = acc;
    __syncthreads();
    if (warp == 0 && d < headDim) {
        float sum = 0.f;
#pragma unroll
        for (int w = 0; w < 8; w++) sum += part[w][lane];
        out[((size_t)t * nHeads + h) * headDim + d] = from_f32<T>(sum / l);
    }
}

#define CHUNK2 128

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem) {
    uint32_t s = (uint32_t)__cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem));
}

template <typename T>
__device__ void attention_decode2(
    float* __restrict__ partO, float* __restrict__ partML, const T* __restrict__ qkv,
    const __nv_bfloat16* __restrict__ kc, const __nv_bfloat16* __restrict__ vc, const int* __restrict__ seq,
    const int* __restrict__ slot, int nHeads, int nKvHeads, int headDim, int capacity, int splits, float scale) {
    extern __shared__ __align__(16) unsigned char raw[];
    __shared__ float ml[MAXKV * 2], scratch[32];
    const int t = blockIdx.x, g = blockIdx.y, sp = blockIdx.z;
    const int len = slot[t] + 1, j0 = sp * CHUNK2;
    if (j0 >= len) return;
    const int n = min(len - j0, CHUNK2), kvMul = nHeads / nKvHeads, D = headDim, stride = D + 8;
    __nv_bfloat16* Ks = reinterpret_cast<__nv_bfloat16*>(raw);   // [CHUNK2][D + 8]
    __nv_bfloat16* Vs = Ks + CHUNK2 * stride;                      // [CHUNK2][D + 8]
    float* qs = reinterpret_cast<float*>(Vs + CHUNK2 * stride);    // [kvMul][D], pre-scaled
    float* ps = qs + kvMul * D;                                    // [kvMul][CHUNK2] probabilities
    float* red = ps + kvMul * CHUNK2;                              // [groups][kvMul][D]

    const size_t headBase = ((size_t)seq[t] * nKvHeads + g) * capacity * D;
    const uint4* kg = reinterpret_cast<const uint4*>(kc + headBase) + (size_t)j0 * (D / 8);
    const uint4* vg = reinterpret_cast<const uint4*>(vc + headBase) + (size_t)j0 * (D / 8);
    for (int c = threadIdx.x; c < n * (D / 8); c += THREADS) {
        int j = c / (D / 8), d8 = c - j * (D / 8);
        cp_async16(&Ks[j * stride + d8 * 8], kg + c);
    }
    asm volatile("cp.async.commit_group;\n" ::);
    for (int c = threadIdx.x; c < n * (D / 8); c += THREADS) {
        int j = c / (D / 8), d8 = c - j * (D / 8);
        cp_async16(&Vs[j * stride + d8 * 8], vg + c);
    }
    asm volatile("cp.async.commit_group;\n" ::);
    const T* q = qkv + (size_t)t * (nHeads + 2 * nKvHeads) * D + (size_t)g * kvMul * D;
    for (int i = threadIdx.x; i < kvMul * D; i += THREADS) qs[i] = to_f32(q[i]) * scale;
    asm volatile("cp.async.wait_group 1;\n" ::);   // the keys have landed
    __syncthreads();

    float acc[MAXKV];
#pragma unroll
    for (int hl = 0; hl < MAXKV; hl++) acc[hl] = 0.f;
    if (threadIdx.x < n) {
        const uint4* kr = reinterpret_cast<const uint4*>(&Ks[threadIdx.x * stride]);
        for (int d8 = 0; d8 < D / 8; d8++) {
            uint4 kv = kr[d8];
            float2 k0 = bf16x2_to_float2(kv.x), k1 = bf16x2_to_float2(kv.y);
            float2 k2 = bf16x2_to_float2(kv.z), k3 = bf16x2_to_float2(kv.w);
#pragma unroll
            for (int hl = 0; hl < MAXKV; hl++) {
                if (hl < kvMul) {
                    float4 a = *reinterpret_cast<const float4*>(&qs[hl * D + d8 * 8]);
                    float4 b = *reinterpret_cast<const float4*>(&qs[hl * D + d8 * 8 + 4]);
                    acc[hl] += a.x * k0.x + a.y * k0.y + a.z * k1.x + a.w * k1.y
                             + b.x * k2.x + b.y * k2.y + b.z * k3.x + b.w * k3.y;
                }
            }
        }
    }
#pragma unroll
    for (int hl = 0; hl < MAXKV; hl++) {
        if (hl < kvMul) {   // uniform over the block
            float v = threadIdx.x < n ? acc[hl] : NEG_INF;
            float m = block_max(v, scratch);
            float p = threadIdx.x < n ? expf(v - m) : 0.f;
            float l = block_sum(p, scratch);
            ps[hl * CHUNK2 + threadIdx.x] = p;
            if (threadIdx.x == 0) { ml[2 * hl] = m; ml[2 * hl + 1] = l; }
        }
    }
    asm volatile("cp.async.wait_group 0;\n" ::);   // the values have landed
    __syncthreads();

    const int pairs = D / 2, groups = THREADS / pairs;
    const int grp = threadIdx.x / pairs, pair = threadIdx.x - grp * pairs;
    float o[MAXKV][2];
#pragma unroll
    for (int hl = 0; hl < MAXKV; hl++) o[hl][0] = o[hl][1] = 0.f;
    if (grp < groups) {
        for (int i = grp; i < n; i += groups) {
            float2 v = bf16x2_to_float2(*reinterpret_cast<const uint32_t*>(&Vs[i * stride + 2 * pair]));
#pragma unroll
            for (int hl = 0; hl < MAXKV; hl++) {
                if (hl < kvMul) {
                    float p = ps[hl * CHUNK2 + i];
                    o[hl][0] += p * v.x;
                    o[hl][1] += p * v.y;
                }
            }
        }
#pragma unroll
        for (int hl = 0; hl < MAXKV; hl++) {
            if (hl < kvMul) {
                red[(grp * kvMul + hl) * D + 2 * pair] = o[hl][0];
                red[(grp * kvMul + hl) * D + 2 * pair + 1] = o[hl][1];
            }
        }
    }
    __syncthreads();
    for (int i = threadIdx.x; i < kvMul * D; i += THREADS) {
        float s = 0.f;
        for (int r = 0; r < groups; r++) s += red[r * kvMul * D + i];
        int hl = i / D, d = i - hl * D;
        size_t at = ((size_t)t * nHeads + g * kvMul + hl) * splits + sp;
        partO[at * D + d] = s;
        if (d == 0) { partML[2 * at] = ml[2 * hl]; partML[2 * at + 1] = ml[2 * hl + 1]; }
    }
}

#define INSTANTIATE_DECODE(T, SUFFIX)                                                                             \
    extern "C" __global__ void __launch_bounds__(THREADS) attention_decode_v1##SUFFIX(                           \
        float* partO, float* partML, const T* qkv, const __nv_bfloat16* kc, const __nv_bfloat16* vc,            \
        const int* seq, const int* slot, int nHeads, int nKvHeads, int headDim, int capacity, int splits,       \
        float scale) {                                                                                            \
        attention_decode1(partO, partML, qkv, kc, vc, seq, slot, nHeads, nKvHeads, headDim, capacity, splits,    \
                          scale);                                                                                 \
    }                                                                                                             \
    extern "C" __global__ void __launch_bounds__(THREADS) attention_decode_v2##SUFFIX(                           \
        float* partO, float* partML, const T* qkv, const __nv_bfloat16* kc, const __nv_bfloat16* vc,            \
        const int* seq, const int* slot, int nHeads, int nKvHeads, int headDim, int capacity, int splits,       \
        float scale) {                                                                                            \
        attention_decode2(partO, partML, qkv, kc, vc, seq, slot, nHeads, nKvHeads, headDim, capacity, splits,    \
                          scale);                                                                                 \
    }                                                                                                             \
    extern "C" __global__ void __launch_bounds__(256) attention_combine_v2##SUFFIX(                              \
        T* out, const float* partO, const float* partML, const int* slot, int nHeads, int headDim, int splits,  \
        int chunk) {                                                                                              \
        attention_combine2(out, partO, partML, slot, nHeads, headDim, splits, chunk);                            \
    }
INSTANTIATE_DECODE(float, _f32)
INSTANTIATE_DECODE(__nv_bfloat16, _bf16)
