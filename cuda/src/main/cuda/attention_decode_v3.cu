// attention_decode v3 (its own file: attention_decode.cu with v1, v2 and their combine is long enough):
// attention of single query rows against a long BF16 KV cache, split over the keys, the splits merged
// by the last block to finish (no second launch), the length read on the device (CUDA-graph safe):
//   out[t, h*D:(h+1)*D] = softmax_j(q_th . k_j / sqrt(D)) v_j, j in [0, slot[t]] of sequence seq[t].
// Shapes: qkv [T, (H + 2G) * D] (f32 or BF16, the queries read from it); kc, vc: the layer's block
//   [batch][G][capacity][D] BF16; seq, slot [T] int32; out [T, H * D] (same type as qkv);
//   partO [T][H][splits][D] f32, partML [T][H][splits][2] f32 (scratch); counters [T * G] uint32,
//   zero before the first launch and left zero by every launch.
// Grid (splits, G, T), 256 threads. Block (s, g, t) takes keys [s*chunk, min((s+1)*chunk, len)) with
//   chunk = ceil(len / splits) rounded up to 64 (<= MAX_CHUNK: the launcher picks splits >=
//   capacity / MAX_CHUNK), for all H/G query heads of KV head g: K tiles of 64 keys, then V tiles,
//   stream through a 4-stage cp.async ring (the V loads are in flight while the scores are turned
//   into probabilities). Scores: 4 threads per key, each a quarter of D (16-byte loads), 2 shuffles;
//   q pre-scaled by log2(e)/sqrt(D) in shared memory, quarters padded apart (no bank conflicts).
//   P.V: a thread per (head, column pair). Then the split's (max, sum, output) go to partO/partML and
//   the last block of (t, g) to finish (an atomic counter) merges the splits and writes out.
// Needs D in {32, 64, 128, 256}, H/G <= 8 and (H/G) * D <= 1024 (the launcher checks).
// Live for those shapes (AUTO); attention_decode_v2 serves the others.
#include "common.cuh"

#define THREADS3 256
#define TILE3 64
#define STAGES3 4
#define MAX_CHUNK 1024
#define MAXKV3 8

__device__ __forceinline__ void cp_async16_zfill(void* smem, const void* gmem, bool valid) {
    uint32_t s = (uint32_t)__cvta_generic_to_shared(smem);
    int bytes = valid ? 16 : 0;   // 0: the 16 bytes are zero-filled, nothing is read
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(bytes));
}

template <int D, typename T>
__device__ void attention_decode3(T* __restrict__ out, float* __restrict__ partO, float* __restrict__ partML,
                                  unsigned* __restrict__ counters, const T* __restrict__ qkv,
                                  const __nv_bfloat16* __restrict__ kc, const __nv_bfloat16* __restrict__ vc,
                                  const int* __restrict__ seq, const int* __restrict__ slot, int nHeads, int nKvHeads,
                                  int capacity, float scaleLog2) {
    constexpr int DQ = D / 4, QS = DQ + 4, ROW = D + 8;   // quarter; padded quarter; padded K/V row
    extern __shared__ __align__(16) unsigned char raw[];
    __nv_bfloat16* ring = reinterpret_cast<__nv_bfloat16*>(raw);                    // [STAGES3][TILE3][ROW]
    float* qs = reinterpret_cast<float*>(ring + STAGES3 * TILE3 * ROW);              // [kvMul][4][QS]
    float* sc = qs + MAXKV3 * 4 * QS;                                                // [kvMul][MAX_CHUNK]
    __shared__ float ml[MAXKV3][2], scratch[32];
    __shared__ int isLast;
    const int sp = blockIdx.x, g = blockIdx.y, t = blockIdx.z, splits = gridDim.x;
    const int kvMul = nHeads / nKvHeads, tid = threadIdx.x;
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
        const size_t headBase = ((size_t)seq[t] * nKvHeads + g) * capacity * D;
        const __nv_bfloat16* kg = kc + headBase + (size_t)j0 * D;
        const __nv_bfloat16* vg = vc + headBase + (size_t)j0 * D;
        const int nT = (n + TILE3 - 1) / TILE3, total = 2 * nT;
        auto load = [&](int i) {   // tile i of the K tiles then the V tiles, into stage i % STAGES3
            if (i < total) {
                const __nv_bfloat16* src = i < nT ? kg + (size_t)i * TILE3 * D : vg + (size_t)(i - nT) * TILE3 * D;
                const int rows = min(TILE3, n - (i < nT ? i : i - nT) * TILE3);
                __nv_bfloat16* dst = ring + (i % STAGES3) * TILE3 * ROW;
                for (int c = tid; c < TILE3 * D / 8; c += THREADS3) {
                    int j = c / (D / 8), d8 = c - j * (D / 8);
                    cp_async16_zfill(dst + j * ROW + d8 * 8, src + (size_t)(j < rows ? j : 0) * D + d8 * 8, j < rows);
                }
            }
            asm volatile("cp.async.commit_group;\n" ::);   // an empty group past the end keeps the count uniform
        };
        for (int i = 0; i < STAGES3 - 1; i++) load(i);
        const int quarter = (tid & 31) >> 3, key = (tid >> 5) * 8 + (tid & 7);
        float o[2][2] = {{0.f, 0.f}, {0.f, 0.f}};
        for (int i = 0; i < total; i++) {
            asm volatile("cp.async.wait_group %0;\n" ::"n"(STAGES3 - 2));
            __syncthreads();
            const __nv_bfloat16* tile = ring + (i % STAGES3) * TILE3 * ROW;
            if (i < nT) {   // scores of 64 keys: 4 threads per key, a quarter of D each
                float acc[MAXKV3];
#pragma unroll
                for (int hl = 0; hl < MAXKV3; hl++) acc[hl] = 0.f;
                const uint4* kr = reinterpret_cast<const uint4*>(tile + key * ROW + quarter * DQ);
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
                const int j = i * TILE3 + key;
#pragma unroll
                for (int hl = 0; hl < MAXKV3; hl++) {
                    if (hl < kvMul) {
                        float v = acc[hl];
                        v += __shfl_xor_sync(0xffffffffu, v, 8);
                        v += __shfl_xor_sync(0xffffffffu, v, 16);
                        if (quarter == 0) sc[hl * MAX_CHUNK + j] = j < n ? v : NEG_INF;
                    }
                }
                if (i == nT - 1) {   // all scores in: p = exp2(s - m) in place, (m, l) per head
                    __syncthreads();
                    for (int hl = 0; hl < kvMul; hl++) {
                        float m = NEG_INF;
                        for (int jj = tid; jj < n; jj += THREADS3) m = fmaxf(m, sc[hl * MAX_CHUNK + jj]);
                        m = block_max(m, scratch);
                        float l = 0.f;
                        for (int jj = tid; jj < nT * TILE3; jj += THREADS3) {
                            float p = jj < n ? exp2f(sc[hl * MAX_CHUNK + jj] - m) : 0.f;
                            sc[hl * MAX_CHUNK + jj] = p;
                            l += p;
                        }
                        l = block_sum(l, scratch);
                        if (tid == 0) { ml[hl][0] = m; ml[hl][1] = l; }
                    }
                }
            } else {   // O += P V over 64 keys: a thread per (head, column pair)
                const int jb = (i - nT) * TILE3;
#pragma unroll
                for (int r = 0; r < 2; r++) {
                    int idx = tid + r * THREADS3, hl = idx / (D / 2), dp = idx - hl * (D / 2);
                    if (hl < kvMul) {
                        const float* p = sc + hl * MAX_CHUNK + jb;
                        for (int j = 0; j < TILE3; j++) {
                            float2 v = bf16x2_to_float2(*reinterpret_cast<const uint32_t*>(tile + j * ROW + 2 * dp));
                            o[r][0] += p[j] * v.x;
                            o[r][1] += p[j] * v.y;
                        }
                    }
                }
            }
            __syncthreads();   // stage i % STAGES3 is free again
            load(i + STAGES3 - 1);
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
                    partO[at * D + 2 * dp] = o[r][0];
                    partO[at * D + 2 * dp + 1] = o[r][1];
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
    for (int hl = 0; hl < kvMul; hl++) {   // the split weights exp2(m_s - M) into sc[hl][s]
        const size_t base = (rowH + hl) * splits;
        float m = NEG_INF;
        for (int s = tid; s < used; s += THREADS3) m = fmaxf(m, partML[2 * (base + s)]);
        m = block_max(m, scratch);
        float l = 0.f;
        for (int s = tid; s < used; s += THREADS3) {
            float w = exp2f(partML[2 * (base + s)] - m);
            sc[hl * MAX_CHUNK + s] = w;
            l += partML[2 * (base + s) + 1] * w;
        }
        l = block_sum(l, scratch);
        if (tid == 0) ml[hl][1] = l;
    }
    __syncthreads();
    for (int idx = tid; idx < kvMul * D; idx += THREADS3) {
        int hl = idx / D, d = idx - hl * D;
        const size_t base = (rowH + hl) * splits;
        float acc = 0.f;
        for (int s = 0; s < used; s++) acc += partO[(base + s) * D + d] * sc[hl * MAX_CHUNK + s];
        out[(rowH + hl) * D + d] = from_f32<T>(acc / ml[hl][1]);
    }
    if (tid == 0) *counter = 0u;   // ready for the next launch (or graph replay)
}

#define INSTANTIATE_DECODE3(D, T, SUFFIX)                                                                         \
    extern "C" __global__ void __launch_bounds__(THREADS3) attention_decode_v3_d##D##SUFFIX(                     \
        T* out, float* partO, float* partML, unsigned* counters, const T* qkv, const __nv_bfloat16* kc,         \
        const __nv_bfloat16* vc, const int* seq, const int* slot, int nHeads, int nKvHeads, int capacity,       \
        float scaleLog2) {                                                                                        \
        attention_decode3<D>(out, partO, partML, counters, qkv, kc, vc, seq, slot, nHeads, nKvHeads, capacity,   \
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
