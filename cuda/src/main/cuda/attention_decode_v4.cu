// attention_decode v4: decode attention on tensor cores. The H/G query heads of one KV group are the
// rows of an m16n8k16 tile (padded to 16 with zeros), so QK^T and PV of a 64-key tile are a few
// mma.sync per warp instead of ~600 FMA per thread.
// v3 (deleted; it was this design on CUDA cores: 4 threads per key for the scores, a thread per head
//   and column pair for PV, the same splits, ring and in-kernel merge) was instruction-bound. H200,
//   H=32 G=8, one row, graph-replayed with L2 flushed (2026-11-30): D=128 32K keys 0.070 ms (45% of
//   the 4.2 TB/s copy ceiling), 8K 0.029 ms; D=64 32K 0.043 ms. v4 as first written: 0.057 ms (55%),
//   0.032, 0.033. With the K/V tiles issued before Q is read and the merge reading float4 columns, 16
//   splits in flight (same card, 2026-11-30, commit e109ee9): 0.052 ms (61%), 0.026, 0.032 (D=64 8K
//   0.019). What is left is fixed cost that does not shrink with the keys (8K: 0.026 ms for 34 MB):
//   the device-side length read before the first load, the ramp, and the last block's merge.
//   out[t, h*D:(h+1)*D] = softmax_j(q_th . k_j / sqrt(D)) v_j, j in [0, slot[t]] of sequence seq[t].
// Shapes: qkv [T, (H + 2G) * D] and out [T, H * D] f32 or BF16; kc, vc [batch][G][capacity][D] BF16;
//   partO [T][H][splits][D], partML [T][H][splits][2] f32 scratch; counters [T * G] uint32, left zero).
// Grid (splits, G, T), 128 threads = 4 warps. Block (s, g, t) takes keys [s*chunk, min((s+1)*chunk,
//   len)), chunk = ceil(len / splits) rounded up to 64 (len = slot[t] + 1, read on the device: a captured
//   decode step stays valid as the sequence grows), for the H/G query heads of KV head g; per
//   64-key tile (K and V rows in a 3-deep cp.async ring, 16-byte copies, zero-filled past the end),
//   warp w scores keys [16w, 16w+16) (Q as A fragments in registers, pre-scaled by log2(e)/sqrt(D)
//   and rounded to BF16; K by ldmatrix), the tile's row max and sum go across the warps through
//   shared memory (online softmax), and warp w adds its P (BF16, straight from the score
//   accumulators) times its 16 V rows (ldmatrix.trans) into its own O accumulators; the 4 warps' O
//   are summed once, at the end. The splits' (max, sum, output) go to partO/partML, and the last block
//   of (t, g) to finish (an atomic counter) merges them; a single split writes out directly.
// Q and P are rounded to BF16 for the tensor cores, as in the prefill kernels and cuDNN.
// Needs D in {32, 64, 128} and H/G <= 8 (the launcher checks); attention_decode_v2 serves the others.
#include "attention_tile.cuh"

#define THREADS4 128
#define TILE4 64
#define PAIRS4 3
#define MAXKV4 8

__device__ __forceinline__ void cp_async16_zfill4(void* smem, const void* gmem, bool valid) {
    uint32_t s = (uint32_t)__cvta_generic_to_shared(smem);
    int bytes = valid ? 16 : 0;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(bytes));
}

template <int D, typename T>
__device__ void attention_decode4(T* __restrict__ out, float* __restrict__ partO, float* __restrict__ partML,
                                  unsigned* __restrict__ counters, const T* __restrict__ qkv,
                                  const __nv_bfloat16* __restrict__ kc, const __nv_bfloat16* __restrict__ vc,
                                  const int* __restrict__ seq, const int* __restrict__ slot, int nHeads, int nKvHeads,
                                  int capacity, float scaleLog2) {
    constexpr int ROW = KSTRIDE(D), KS = D / 16, DT = D / 8;
    extern __shared__ __align__(16) unsigned char raw[];
    __nv_bfloat16* ring = reinterpret_cast<__nv_bfloat16*>(raw);   // [PAIRS4][K, V][TILE4][ROW]
    __shared__ float redMax[4][MAXKV4], redSum[4][MAXKV4];
    __shared__ float ml[MAXKV4][2];
    __shared__ int isLast;
    const int sp = blockIdx.x, g = blockIdx.y, t = blockIdx.z, splits = gridDim.x;
    const int kvMul = nHeads / nKvHeads, tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int gid = lane >> 2, tig = lane & 3;
    const int len = slot[t] + 1;
    const int chunk = ((len + splits - 1) / splits + TILE4 - 1) / TILE4 * TILE4;
    const int used = (len + chunk - 1) / chunk;
    const int j0 = sp * chunk, n = max(0, min(chunk, len - j0));
    const size_t rowH = (size_t)t * nHeads + g * kvMul;
    const bool realRow = gid < kvMul;   // rows gid + 8 are always padding (H/G <= 8)

    if (n > 0) {
        const size_t headBase = ((size_t)seq[t] * nKvHeads + g) * capacity * D;
        const __nv_bfloat16* kg = kc + headBase + (size_t)j0 * D;
        const __nv_bfloat16* vg = vc + headBase + (size_t)j0 * D;
        const int nT = (n + TILE4 - 1) / TILE4;
        auto load = [&](int i) {
            if (i < nT) {
                const int rows = min(TILE4, n - i * TILE4);
                __nv_bfloat16* dk = ring + (i % PAIRS4) * 2 * TILE4 * ROW;
                __nv_bfloat16* dv = dk + TILE4 * ROW;
                const __nv_bfloat16* sk = kg + (size_t)i * TILE4 * D;
                const __nv_bfloat16* sv = vg + (size_t)i * TILE4 * D;
                for (int c = tid; c < TILE4 * D / 8; c += THREADS4) {
                    int j = c / (D / 8), d8 = c - j * (D / 8);
                    size_t src = (size_t)(j < rows ? j : 0) * D + d8 * 8;
                    cp_async16_zfill4(dk + j * ROW + d8 * 8, sk + src, j < rows);
                    cp_async16_zfill4(dv + j * ROW + d8 * 8, sv + src, j < rows);
                }
            }
            asm volatile("cp.async.commit_group;\n" ::);
        };
        for (int i = 0; i < PAIRS4; i++) load(i);
        // Read after the first tiles are in flight, so its latency hides under theirs.
        // Q fragments (rows = the group's heads): a0 = (row gid, cols 2tig, 2tig+1), a2 = (+8 cols).
        uint32_t qf[KS][2];
        const T* q = qkv + (size_t)t * (nHeads + 2 * nKvHeads) * D + ((size_t)g * kvMul + gid) * D;
#pragma unroll
        for (int ks = 0; ks < KS; ks++) {
            int c = ks * 16 + tig * 2;
            qf[ks][0] = realRow ? pack_bf16x2(to_f32(q[c]) * scaleLog2, to_f32(q[c + 1]) * scaleLog2) : 0u;
            qf[ks][1] = realRow ? pack_bf16x2(to_f32(q[c + 8]) * scaleLog2, to_f32(q[c + 9]) * scaleLog2) : 0u;
        }
        float o[DT][4];
#pragma unroll
        for (int dt = 0; dt < DT; dt++) o[dt][0] = o[dt][1] = o[dt][2] = o[dt][3] = 0.f;
        float mRun = NEG_INF, lRun = 0.f;   // of row gid; the same in every warp
        for (int i = 0; i < nT; i++) {
            asm volatile("cp.async.wait_group %0;\n" ::"n"(PAIRS4 - 1));
            __syncthreads();
            const __nv_bfloat16* Ks = ring + (i % PAIRS4) * 2 * TILE4 * ROW;
            const __nv_bfloat16* Vs = Ks + TILE4 * ROW;
            float s[2][4];   // keys 16w + 8 nt + 2tig + {0, 1} of rows gid (0, 1) and gid + 8 (2, 3)
#pragma unroll
            for (int nt = 0; nt < 2; nt++) {
                s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
                const __nv_bfloat16* kbase = &Ks[(warp * 16 + nt * 8 + (lane & 7)) * ROW + (lane >> 3) * 8];
#pragma unroll
                for (int ks = 0; ks + 1 < KS; ks += 2) {
                    uint32_t b[4], a0[4] = {qf[ks][0], 0u, qf[ks][1], 0u}, a1[4] = {qf[ks + 1][0], 0u, qf[ks + 1][1], 0u};
                    ldmatrix_x4(b, kbase + ks * 16);
                    mma_bf16(s[nt], a0, b[0], b[1]);
                    mma_bf16(s[nt], a1, b[2], b[3]);
                }
            }
            // Online softmax across the warps (rows gid < H/G; masked keys past n).
            const int keyBase = i * TILE4 + warp * 16 + tig * 2;
            float mx = NEG_INF;
#pragma unroll
            for (int nt = 0; nt < 2; nt++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    if (keyBase + nt * 8 + e >= n) s[nt][e] = NEG_INF;
                    mx = fmaxf(mx, s[nt][e]);
                }
            }
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
            if (tig == 0 && realRow) redMax[warp][gid] = mx;
            __syncthreads();
            float mNew = mRun;
            if (realRow) {
#pragma unroll
                for (int w = 0; w < 4; w++) mNew = fmaxf(mNew, redMax[w][gid]);
            }
            const float mUse = mNew == NEG_INF ? 0.f : mNew;
            const float alpha = exp2f(mRun - mUse);
            float rs = 0.f;
#pragma unroll
            for (int nt = 0; nt < 2; nt++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    s[nt][e] = realRow ? exp2f(s[nt][e] - mUse) : 0.f;
                    rs += s[nt][e];
                }
                s[nt][2] = s[nt][3] = 0.f;
            }
            rs += __shfl_xor_sync(0xffffffffu, rs, 1);
            rs += __shfl_xor_sync(0xffffffffu, rs, 2);
            if (tig == 0 && realRow) redSum[warp][gid] = rs;
#pragma unroll
            for (int dt = 0; dt < DT; dt++) {
                o[dt][0] *= alpha;
                o[dt][1] *= alpha;
            }
            // O += P V over this warp's 16 keys: P's A fragment is the score accumulators.
            uint32_t a[4] = {pack_bf16x2(s[0][0], s[0][1]), 0u, pack_bf16x2(s[1][0], s[1][1]), 0u};
            const __nv_bfloat16* vbase = &Vs[(warp * 16 + ((lane >> 3) & 1) * 8 + (lane & 7)) * ROW + (lane >> 4) * 8];
#pragma unroll
            for (int dt = 0; dt < DT; dt += 2) {
                uint32_t b[4];
                ldmatrix_x4_trans(b, vbase + dt * 8);
                mma_bf16(o[dt], a, b[0], b[1]);
                mma_bf16(o[dt + 1], a, b[2], b[3]);
            }
            __syncthreads();   // redSum complete; ring slot free for the load below
            if (realRow) {
                float tileSum = redSum[0][gid] + redSum[1][gid] + redSum[2][gid] + redSum[3][gid];
                lRun = lRun * alpha + tileSum;
                mRun = mNew;
            }
            load(i + PAIRS4);
        }
        asm volatile("cp.async.wait_group 0;\n" ::);
        __syncthreads();
        // The 4 warps' O (rows gid) summed in shared memory (the ring's space, now free), then written.
        float* osum = reinterpret_cast<float*>(raw);   // [kvMul][D]
        for (int i = tid; i < kvMul * D; i += THREADS4) osum[i] = 0.f;
        __syncthreads();
        if (realRow) {
#pragma unroll
            for (int dt = 0; dt < DT; dt++) {
                atomicAdd(&osum[gid * D + dt * 8 + tig * 2], o[dt][0]);
                atomicAdd(&osum[gid * D + dt * 8 + tig * 2 + 1], o[dt][1]);
            }
            if (warp == 0 && tig == 0) { ml[gid][0] = mRun; ml[gid][1] = lRun; }
        }
        __syncthreads();
        for (int i = tid; i < kvMul * D; i += THREADS4) {
            int hl = i / D, d = i - hl * D;
            if (used == 1) {
                out[(rowH + hl) * D + d] = from_f32<T>(osum[i] / ml[hl][1]);
            } else {
                size_t at = (rowH + hl) * splits + sp;
                partO[at * D + d] = osum[i];
                if (d == 0) { partML[2 * at] = ml[hl][0]; partML[2 * at + 1] = ml[hl][1]; }
            }
        }
    }
    if (used == 1) return;
    __threadfence();
    __syncthreads();
    unsigned* counter = counters + (size_t)t * nKvHeads + g;
    if (tid == 0) isLast = atomicAdd(counter, 1u) == (unsigned)(splits - 1);
    __syncthreads();
    if (!isLast) return;
    __threadfence();
    float* w = reinterpret_cast<float*>(raw);   // [kvMul][splits] split weights exp2(m_s - M)
    for (int hl = warp; hl < kvMul; hl += 4) {
        const size_t base = (rowH + hl) * splits;
        float m = NEG_INF;
        for (int s = lane; s < used; s += 32) m = fmaxf(m, __ldcg(partML + 2 * (base + s)));
        m = warp_max(m);
        float l = 0.f;
        for (int s = lane; s < used; s += 32) {
            float e = exp2f(__ldcg(partML + 2 * (base + s)) - m);
            w[hl * splits + s] = e;
            l += __ldcg(partML + 2 * (base + s) + 1) * e;
        }
        l = warp_sum(l);
        if (lane == 0) ml[hl][1] = l;
    }
    __syncthreads();
    // One thread per 4 output columns; the splits' partial outputs are independent loads, unrolled so
    // that many are in flight at once (they sit in L2, written just now by the other blocks).
    for (int idx = tid; idx < kvMul * D / 4; idx += THREADS4) {
        int hl = idx / (D / 4), d = (idx - hl * (D / 4)) * 4;
        const size_t base = (rowH + hl) * splits;
        float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll 16
        for (int s = 0; s < used; s++) {
            float4 p = __ldcg(reinterpret_cast<const float4*>(partO + (base + s) * D + d));
            float ws = w[hl * splits + s];
            acc.x += p.x * ws; acc.y += p.y * ws; acc.z += p.z * ws; acc.w += p.w * ws;
        }
        float inv = 1.f / ml[hl][1];
        T* o = out + (rowH + hl) * D + d;
        o[0] = from_f32<T>(acc.x * inv); o[1] = from_f32<T>(acc.y * inv);
        o[2] = from_f32<T>(acc.z * inv); o[3] = from_f32<T>(acc.w * inv);
    }
    if (tid == 0) *counter = 0u;
}

#define INSTANTIATE_DECODE4(D, T, SUFFIX)                                                                         \
    extern "C" __global__ void __launch_bounds__(THREADS4) attention_decode_v4_d##D##SUFFIX(                     \
        T* out, float* partO, float* partML, unsigned* counters, const T* qkv, const __nv_bfloat16* kc,         \
        const __nv_bfloat16* vc, const int* seq, const int* slot, int nHeads, int nKvHeads, int capacity,       \
        float scaleLog2) {                                                                                        \
        attention_decode4<D>(out, partO, partML, counters, qkv, kc, vc, seq, slot, nHeads, nKvHeads, capacity,   \
                             scaleLog2);                                                                          \
    }
INSTANTIATE_DECODE4(32, float, _f32)
INSTANTIATE_DECODE4(64, float, _f32)
INSTANTIATE_DECODE4(128, float, _f32)
INSTANTIATE_DECODE4(32, __nv_bfloat16, _bf16)
INSTANTIATE_DECODE4(64, __nv_bfloat16, _bf16)
INSTANTIATE_DECODE4(128, __nv_bfloat16, _bf16)
