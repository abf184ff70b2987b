// attention_decode v3 (its own file: attention_decode.cu with v1, v2 and their combine is long enough):
// attention of single query rows against a long BF16 KV cache, split over the keys, the splits merged
// by the last block to finish (no second launch), the length read on the device (CUDA-graph safe):
//   out[t, h*D:(h+1)*D] = softmax_j(q_th . k_j / sqrt(D)) v_j, j in [0, slot[t]] of sequence seq[t].
// Shapes: qkv [T, (H + 2G) * D] (f32 or BF16, the queries read from it); kc, vc: the layer's block
//   [batch][G][capacity][D] BF16; seq, slot [T] int32; out [T, H * D] (same type as qkv);
//   partO [T][H][splits][D] f32, partML [T][H][splits][2] f32 (scratch); counters [T * G] uint32,
//   zero before the first launch and left zero by every launch.
// Grid (splits, G, T), 256 threads. Block (s, g, t) takes keys [s*chunk, min((s+1)*chunk, len)) with
//   chunk = ceil(len / splits) rounded up to 64, for all H/G query heads of KV head g, in tiles of 64
//   keys: the K and V tiles of PAIRS tiles ahead stream through a cp.async ring (16-byte copies,
//   zero-filled past the end) while the current pair is used: scores (4 threads per key, a quarter
//   of D each, 16-byte loads, 2 shuffles; q pre-scaled by log2(e)/sqrt(D) in shared memory with the
//   quarters padded apart: no bank conflicts), an online softmax per head (a warp per head: tile
//   max, rescale, exp2), then O += P V (a thread per head and column pair). Finally the split's
//   (max, sum, output) go to partO/partML and the last block of (t, g) to finish (an atomic counter)
//   merges the splits and writes out; a single split writes out directly.
// Needs D in {32, 64, 128, 256}, H/G <= 8 and (H/G) * D <= 1024 (the launcher checks).
// Live for those shapes (AUTO); attention_decode_v2 serves the others. (A first v3 scored all of a
// split's keys before a block-wide softmax and only then read V: the V loads stalled behind 16
// block reductions. H200, H=32 G=8 D=128, 32K keys: 0.068 ms, 1979 GB/s; 8K: 0.028 ms.)
#include "common.cuh"

#define THREADS3 256
#define TILE3 64
#define MAXKV3 8

__device__ __forceinline__ void cp_async16_zfill(void* smem, const void* gmem, bool valid) {
    uint32_t s = (uint32_t)__cvta_generic_to_shared(smem);
    int bytes = valid ? 16 : 0;   // 0: the 16 bytes are zero-filled, nothing is read
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(bytes));
}

template <int D, int PAIRS, typename T>
__device__ void attention_decode3(T* __restrict__ out, float* __restrict__ partO, float* __restrict__ partML,
                                  unsigned* __restrict__ counters, const T* __restrict__ qkv,
                                  const __nv_bfloat16* __restrict__ kc, const __nv_bfloat16* __restrict__ vc,
                                  const int* __restrict__ seq, const int* __restrict__ slot, int nHeads, int nKvHeads,
                                  int capacity, float scaleLog2) {
    constexpr int DQ = D / 4, QS = DQ + 4, ROW = D + 8;   // quarter; padded quarter; padded K/V row
    extern __shared__ __align__(16) unsigned char raw[];
    __nv_bfloat16* ring = reinterpret_cast<__nv_bfloat16*>(raw);          // [PAIRS][K, V][TILE3][ROW]
    float* qs = reinterpret_cast<float*>(ring + PAIRS * 2 * TILE3 * ROW);  // [kvMul][4][QS]
    __shared__ float sc[MAXKV3][TILE3];                                    // scores, then probabilities
    __shared__ float ml[MAXKV3][2], alpha[MAXKV3];
    __shared__ int isLast;
    const int sp = blockIdx.x, g = blockIdx.y, t = blockIdx.z, splits = gridDim.x;
    const int kvMul = nHeads / nKvHeads, tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int len = slot[t] + 1;
    const int chunk = ((len + splits - 1) / splits + TILE3 - 1) / TILE3 * TILE3;
    const int used = (len + chunk - 1) / chunk;           // splits that own keys
    const int j0 = sp * chunk, n = max(0, min(chunk, len - j0));
    const size_t rowH = (size_t)t * nHeads + g * kvMul;   // (t, first head of the group)

    if (n > 0) {
        const T* q = qkv + (size_t)t * (nHeads + 2 * nKvHeads) * D + (size_t)g * kvMul * D;
        for (int i = tid; i < kvMul * D; i += THREADS3) {
            int hl = i / D, d = i - hl * D;
            qs[(hl * 4 + d / DQ) * QS + d % DQ] = to_f32(q[i]) * scaleLog2;
        }
        if (tid < MAXKV3) { ml[tid][0] = NEG_INF; ml[tid][1] = 0.f; }
        const size_t headBase = ((size_t)seq[t] * nKvHeads + g) * capacity * D;
        const __nv_bfloat16* kg = kc + headBase + (size_t)j0 * D;
        const __nv_bfloat16* vg = vc + headBase + (size_t)j0 * D;
        const int nT = (n + TILE3 - 1) / TILE3;
        auto load = [&](int i) {   // K and V tiles of pair i into ring slot i % PAIRS, one commit group
            if (i < nT) {
                const int rows = min(TILE3, n - i * TILE3);
                __nv_bfloat16* dk = ring + (i % PAIRS) * 2 * TILE3 * ROW;
                __nv_bfloat16* dv = dk + TILE3 * ROW;
                const __nv_bfloat16* sk = kg + (size_t)i * TILE3 * D;
                const __nv_bfloat16* sv = vg + (size_t)i * TILE3 * D;
                for (int c = tid; c < TILE3 * D / 8; c += THREADS3) {
                    int j = c / (D / 8), d8 = c - j * (D / 8);
                    size_t src = (size_t)(j < rows ? j : 0) * D + d8 * 8;
                    cp_async16_zfill(dk + j * ROW + d8 * 8, sk + src, j < rows);
                    cp_async16_zfill(dv + j * ROW + d8 * 8, sv + src, j < rows);
                }
            }
            asm volatile("cp.async.commit_group;\n" ::);   // an empty group past the end keeps the count uniform
        };
        for (int i = 0; i < PAIRS; i++) load(i);
        const int quarter = lane >> 3, key = warp * 8 + (lane & 7);
        float o[2][2] = {{0.f, 0.f}, {0.f, 0.f}};
        for (int i = 0; i < nT; i++) {
            asm volatile("cp.async.wait_group %0;\n" ::"n"(PAIRS - 1));   // pair i has landed
            __syncthreads();
            const __nv_bfloat16* kt = ring + (i % PAIRS) * 2 * TILE3 * ROW;
            const __nv_bfloat16* vt = kt + TILE3 * ROW;
            {   // scores of 64 keys: 4 threads per key, a quarter of D each
                float acc[MAXKV3];
#pragma unroll
                for (int hl = 0; hl < MAXKV3; hl++) acc[hl] = 0.f;
                const uint4* kr = reinterpret_cast<const uint4*>(kt + key * ROW + quarter * DQ);
#pragma unroll
                for (int c = 0; c < DQ / 8; c++) {
                    uint4 kv = kr[c];
                    float2 k0 = bf16x2_to_float2(kv.x), k1 = bf16x2_to_float2(kv.y);
                    float2 k2 = bf16x2_to_float2(kv.z), k3 = bf16x2_to_float2(kv.w);
#pragma unroll
                    for (int hl = 0; hl < MAXKV3; hl++) {
                        if (hl < kvMul) {
                            const float* qp = qs + (hl * 4 + quarter) * QS + c * 8;
                            float4 a = *reinterpret_cast<const float4*>(qp), b = *reinterpret_cast<const float4*>(qp + 4);
                            acc[hl] += a.x * k0.x + a.y * k0.y + a.z * k1.x + a.w * k1.y
                                     + b.x * k2.x + b.y * k2.y + b.z * k3.x + b.w * k3.y;
                        }
                    }
                }
                const bool valid = i * TILE3 + key < n;
#pragma unroll
                for (int hl = 0; hl < MAXKV3; hl++) {
                    if (hl < kvMul) {
                        float v = acc[hl];
                        v += __shfl_xor_sync(0xffffffffu, v, 8);
                        v += __shfl_xor_sync(0xffffffffu, v, 16);
                        if (quarter == 0) sc[hl][key] = valid ? v : NEG_INF;
                    }
                }
            }
            __syncthreads();
            if (warp < kvMul) {   // online softmax of head `warp` over this tile
                const int hl = warp;
                float s0 = sc[hl][lane], s1 = sc[hl][lane + 32];
                float mNew = fmaxf(ml[hl][0], warp_max(fmaxf(s0, s1)));
                float a = exp2f(ml[hl][0] - mNew);   // the first tile: exp2(-inf) = 0
                float p0 = exp2f(s0 - mNew), p1 = exp2f(s1 - mNew);
                sc[hl][lane] = p0;
                sc[hl][lane + 32] = p1;
                float l = warp_sum(p0 + p1);
                if (lane == 0) {
                    ml[hl][1] = ml[hl][1] * a + l;
                    ml[hl][0] = mNew;
                    alpha[hl] = a;
                }
            }
            __syncthreads();
#pragma unroll
            for (int r = 0; r < 2; r++) {   // O = O * alpha + P V over 64 keys: a thread per (head, column pair)
                int idx = tid + r * THREADS3, hl = idx / (D / 2), dp = idx - hl * (D / 2);
                if (hl < kvMul) {
                    const float* p = sc[hl];
                    float a0 = o[r][0] * alpha[hl], a1 = o[r][1] * alpha[hl];
#pragma unroll 8
                    for (int j = 0; j < TILE3; j++) {
                        float2 v = bf16x2_to_float2(*reinterpret_cast<const uint32_t*>(vt + j * ROW + 2 * dp));
                        a0 += p[j] * v.x;
                        a1 += p[j] * v.y;
                    }
                    o[r][0] = a0;
                    o[r][1] = a1;
                }
            }
            __syncthreads();   // ring slot i % PAIRS and sc are free again
            load(i + PAIRS);
        }
        asm volatile("cp.async.wait_group 0;\n" ::);
        // The split's unnormalised output and (m, l); a single split writes the answer directly.
#pragma unroll
        for (int r = 0; r < 2; r++) {
            int idx = tid + r * THREADS3, hl = idx / (D / 2), dp = idx - hl * (D / 2);
            if (hl < kvMul) {
                if (used == 1) {
                    float inv = 1.f / ml[hl][1];
                    T* orow = out + (rowH + hl) * D + 2 * dp;
                    orow[0] = from_f32<T>(o[r][0] * inv);
                    orow[1] = from_f32<T>(o[r][1] * inv);
                } else {
                    size_t at = (rowH + hl) * splits + sp;
                    *reinterpret_cast<float2*>(partO + at * D + 2 * dp) = make_float2(o[r][0], o[r][1]);
                    if (dp == 0) { partML[2 * at] = ml[hl][0]; partML[2 * at + 1] = ml[hl][1]; }
                }
            }
        }
    }
    if (used == 1) return;   // no merge: the only owning split wrote out, and no counter was touched
    // The last of the splits blocks of (t, g) to get here merges the used ones.
    __threadfence();
    __syncthreads();
    unsigned* counter = counters + (size_t)t * nKvHeads + g;
    if (tid == 0) isLast = atomicAdd(counter, 1u) == (unsigned)(splits - 1);
    __syncthreads();
    if (!isLast) return;
    __threadfence();
    float* w = reinterpret_cast<float*>(raw);   // [kvMul][splits] split weights exp2(m_s - M), in the ring's space
    if (warp < kvMul) {   // a warp per head: M, the weights, L = sum l_s w_s
        const int hl = warp;
        const size_t base = (rowH + hl) * splits;
        float m = NEG_INF;
        for (int s = lane; s < used; s += 32) m = fmaxf(m, partML[2 * (base + s)]);
        m = warp_max(m);
        float l = 0.f;
        for (int s = lane; s < used; s += 32) {
            float e = exp2f(partML[2 * (base + s)] - m);
            w[hl * splits + s] = e;
            l += partML[2 * (base + s) + 1] * e;
        }
        l = warp_sum(l);
        if (lane == 0) ml[hl][1] = l;
    }
    __syncthreads();
    for (int idx = tid; idx < kvMul * D; idx += THREADS3) {
        int hl = idx / D, d = idx - hl * D;
        const size_t base = (rowH + hl) * splits;
        float acc = 0.f;
#pragma unroll 4
        for (int s = 0; s < used; s++) acc += partO[(base + s) * D + d] * w[hl * splits + s];
        out[(rowH + hl) * D + d] = from_f32<T>(acc / ml[hl][1]);
    }
    if (tid == 0) *counter = 0u;   // ready for the next launch (or graph replay)
}

#define INSTANTIATE_DECODE3(D, T, SUFFIX)                                                                         \
    extern "C" __global__ void __launch_bounds__(THREADS3) attention_decode_v3_d##D##SUFFIX(                     \
        T* out, float* partO, float* partML, unsigned* counters, const T* qkv, const __nv_bfloat16* kc,         \
        const __nv_bfloat16* vc, const int* seq, const int* slot, int nHeads, int nKvHeads, int capacity,       \
        float scaleLog2) {                                                                                        \
        attention_decode3<D, (D <= 128 ? 3 : 2)>(out, partO, partML, counters, qkv, kc, vc, seq, slot, nHeads, nKvHeads, capacity,   \
                             scaleLog2);                                                                          \
    }
INSTANTIATE_DECODE3(32, float, _f32)
INSTANTIATE_DECODE3(64, float, _f32)
INSTANTIATE_DECODE3(128, float, _f32)
INSTANTIATE_DECODE3(256, float, _f32)
INSTANTIATE_DECODE3(32, __nv_bfloat16, _bf16)
INSTANTIATE_DECODE3(64, __nv_bfloat16, _bf16)
INSTANTIATE_DECODE3(128, __nv_bfloat16, _bf16)
INSTANTIATE_DECODE3(256, __nv_bfloat16, _bf16)
