// attention_decode v5: decode attention on tensor cores, each warp on its own keys. The H/G query
// heads of one KV group are the rows of an m16n8k16 tile (padded to 16 with zeros), so QK^T and PV of a
// 16-key tile are a few mma.sync per warp.
//   out[t, h*D:(h+1)*D] = softmax_j(q_th . k_j / sqrt(D)) v_j, j in [0, slot[t]] of sequence seq[t].
// Shapes: qkv [T, (H + 2G) * D] and out [T, H * D] f32 or BF16; kc, vc [batch][G][capacity][D] BF16;
//   partO [T][H][splits][D], partML [T][H][splits][2] f32 scratch; counters [T * G] uint32, left zero.
// Grid (splits, G, T), 128 threads = 4 warps. Block (s, g, t) takes keys [s*chunk, min((s+1)*chunk,
//   len)), chunk = ceil(len / splits) rounded up to 64 (len = slot[t] + 1, read on the device: a
//   captured decode step stays valid as the sequence grows). Warp w streams the block's 16-key tiles
//   w, w + 4, ... through its own cp.async ring of 3 stages (K and V rows, 16-byte copies, zero-filled
//   past the end), scores them (Q as A fragments in registers, pre-scaled by log2(e)/sqrt(D) and
//   rounded to BF16; K by ldmatrix), keeps its own online softmax in registers (a row's max and sum
//   over 16 keys are two shuffles) and adds P V (P straight from the score accumulators, V by
//   ldmatrix.trans); it syncs only itself. The 4 warps' (max, sum, O) merge once at the end in shared
//   memory; the splits' go to partO/partML, and the last block of (t, g) to finish (an atomic counter)
//   merges them; a single split writes out directly.
// Q and P are rounded to BF16 for the tensor cores, as in the prefill kernels and cuDNN.
// Needs D in {32, 64, 128} and H/G <= 8 (the launcher checks); attention_decode_v2 serves the others.
// History (H200, H=32 G=8, one row, graph-replayed with L2 flushed, % of the 4.2 TB/s copy ceiling):
//   v3 (deleted; this on CUDA cores) D=128 32K keys 0.070 ms (45%), 8K 0.029; D=64 32K 0.043.
//   v4 (deleted; the 4 warps of a block shared each 64-key tile: three __syncthreads a tile, the row
//   max and sum exchanged through shared memory, a 3-deep ring of 64-key tiles) 0.051 ms (62%) at 32K,
//   0.027 at 8K; D=64 0.032 / 0.019 (2026-11-30). Under ncu in the 8B step: 52.6 us, 54% of DRAM peak,
//   8 warps an SM issuing once every 8.4 cycles, 2.6 us a tile: the slowest warp set the pace.
//   v5, same call: 0.050 ms (64%) at 32K, 0.026 at 8K; D=64 0.031 / 0.018. With 2 stages a warp (70 KB,
//   three blocks an SM) it was slower: 0.054 / 0.028, D=64 0.035 / 0.021. Still short of the 70% target:
//   in the step the SMs idle ~25% of the kernel's time (ramp, the merge's tail, uneven blocks).
//   Then (2026-11-30, KernelBench on another H200, 4252 GB/s copy): the 4 warps' merge without shared
//   float atomics, 0.045 ms (69.9%) at 32K, 0.021 at 8K; D=64 0.028 / 0.016. Timestamps (%globaltimer,
//   a block's thread 0) at 32K: the first tiles land 4-6 us in (25 MB asked at once), the streaming
//   runs near 4.8 TB/s until 33 us, blocks end their loops between 27 and 36 us (uneven), the last
//   block's split merge takes 3 us. Launched programmatically after the qkv projection, which lets it
//   start early: a warp issues its first tiles before pdl_wait unless they hold the newest key.
//   Tried and dropped, same day: the keys handed out at run time (every warp of (t, g) claiming the
//   next 16-key tile from an atomic counter, a tile ahead): the loops ended together, but streamed
//   slower (32K 50.7 us against 47.5; loop ends at a median 40 us against 33): scattered tiles. Three
//   to five stages a warp changed nothing at one block an SM (42.2 / 42.2 / 42.3 us), which now is
//   the grid (Kernels.splits5): two blocks an SM were slower or even. KernelBench at one block an SM
//   (4253 GB/s copy): 0.042 ms (74.3%) at 32K, 0.021 at 8K; D=64 0.026 (60.6%) / 0.016.
#include "attention_tile.cuh"

#define THREADS5 128
#define WTILE5 16
#define SPLIT_ALIGN5 64
#define MAXKV5 8
#define STAGES5 3

__device__ __forceinline__ void cp_async16_zfill5(void* smem, const void* gmem, bool valid) {
    uint32_t s = (uint32_t)__cvta_generic_to_shared(smem);
    int bytes = valid ? 16 : 0;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(bytes));
}

template <int D, typename T>
__device__ void attention_decode5(T* __restrict__ out, float* __restrict__ partO, float* __restrict__ partML,
                                  unsigned* __restrict__ counters, const T* __restrict__ qkv,
                                  const __nv_bfloat16* __restrict__ kc, const __nv_bfloat16* __restrict__ vc,
                                  const int* __restrict__ seq, const int* __restrict__ slot, int nHeads, int nKvHeads,
                                  int capacity, float scaleLog2) {
    constexpr int ROW = KSTRIDE(D), KS = D / 16, DT = D / 8, STAGE = 2 * WTILE5 * ROW, P = STAGES5;
    extern __shared__ __align__(16) unsigned char raw[];
    __shared__ float wm[4][MAXKV5], wl[4][MAXKV5];
    __shared__ float ml[MAXKV5][2];
    __shared__ int isLast;
    pdl_launch_dependents();   // the out-projection after it (gemv_v3) may start loading its weights
    const int sp = blockIdx.x, g = blockIdx.y, t = blockIdx.z, splits = gridDim.x;
    const int kvMul = nHeads / nKvHeads, tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int gid = lane >> 2, tig = lane & 3;
    const int len = slot[t] + 1;
    const int chunk = ((len + splits - 1) / splits + SPLIT_ALIGN5 - 1) / SPLIT_ALIGN5 * SPLIT_ALIGN5;
    const int used = (len + chunk - 1) / chunk;
    const int j0 = sp * chunk, n = max(0, min(chunk, len - j0));
    const size_t rowH = (size_t)t * nHeads + g * kvMul;
    const bool realRow = gid < kvMul;   // rows gid + 8 are always padding (H/G <= 8)

    if (n > 0) {
        const size_t headBase = ((size_t)seq[t] * nKvHeads + g) * capacity * D;
        const __nv_bfloat16* kg = kc + headBase + (size_t)j0 * D;
        const __nv_bfloat16* vg = vc + headBase + (size_t)j0 * D;
        const int nT = (n + WTILE5 - 1) / WTILE5;
        const int mine = nT > warp ? (nT - warp + 3) / 4 : 0;   // this warp's tiles: warp, warp + 4, ...
        __nv_bfloat16* ring = reinterpret_cast<__nv_bfloat16*>(raw) + warp * P * STAGE;
        auto load = [&](int i) {
            if (i < mine) {
                const int tile = warp + 4 * i;
                const int rows = min(WTILE5, n - tile * WTILE5);
                __nv_bfloat16* dk = ring + (i % P) * STAGE;
                __nv_bfloat16* dv = dk + WTILE5 * ROW;
                const __nv_bfloat16* sk = kg + (size_t)tile * WTILE5 * D;
                const __nv_bfloat16* sv = vg + (size_t)tile * WTILE5 * D;
#pragma unroll
                for (int c = lane; c < WTILE5 * D / 8; c += 32) {
                    int j = c / (D / 8), d8 = c - j * (D / 8);
                    size_t src = (size_t)(j < rows ? j : 0) * D + d8 * 8;
                    cp_async16_zfill5(dk + j * ROW + d8 * 8, sk + src, j < rows);
                    cp_async16_zfill5(dv + j * ROW + d8 * 8, sv + src, j < rows);
                }
            }
            asm volatile("cp.async.commit_group;\n" ::);
        };
        // Launched programmatically, this kernel may start while the one before it (the qkv projection,
        // which writes q and the newest key and value) still runs. Every other key was written by an
        // earlier step, so a warp issues its first tiles before it waits, unless they hold the newest key.
        const bool holdsNewest = j0 + n == len && (nT - 1) % 4 == warp && (nT - 1) / 4 < P;
        if (holdsNewest) pdl_wait();
#pragma unroll
        for (int i = 0; i < P; i++) load(i);
        if (!holdsNewest) pdl_wait();
        // Q fragments, read after the first tiles are in flight (as v4).
        uint32_t qf[KS][2];
        const T* q = qkv + (size_t)t * (nHeads + 2 * nKvHeads) * D + ((size_t)g * kvMul + gid) * D;
#pragma unroll
        for (int ks = 0; ks < KS; ks++) {
            int c = ks * 16 + tig * 2;
            qf[ks][0] = realRow ? pack_bf16x2(to_f32(q[c]) * scaleLog2, to_f32(q[c + 1]) * scaleLog2) : 0u;
            qf[ks][1] = realRow ? pack_bf16x2(to_f32(q[c + 8]) * scaleLog2, to_f32(q[c + 9]) * scaleLog2) : 0u;
        }
        float o[DT][2];   // rows gid only: the accumulators of rows gid + 8 (padding) are discarded
#pragma unroll
        for (int dt = 0; dt < DT; dt++) o[dt][0] = o[dt][1] = 0.f;
        float mRun = NEG_INF, lRun = 0.f;   // of row gid, this warp's keys so far
        for (int i = 0; i < mine; i++) {
            asm volatile("cp.async.wait_group %0;\n" ::"n"(P - 1));
            __syncwarp();
            const __nv_bfloat16* Ks = ring + (i % P) * STAGE;
            const __nv_bfloat16* Vs = Ks + WTILE5 * ROW;
            float s[2][4];   // keys 8 nt + 2tig + {0, 1} of the tile, rows gid (0, 1) and gid + 8 (2, 3)
#pragma unroll
            for (int nt = 0; nt < 2; nt++) {
                s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
                const __nv_bfloat16* kbase = &Ks[(nt * 8 + (lane & 7)) * ROW + (lane >> 3) * 8];
#pragma unroll
                for (int ks = 0; ks + 1 < KS; ks += 2) {
                    uint32_t b[4], a0[4] = {qf[ks][0], 0u, qf[ks][1], 0u}, a1[4] = {qf[ks + 1][0], 0u, qf[ks + 1][1], 0u};
                    ldmatrix_x4(b, kbase + ks * 16);
                    mma_bf16(s[nt], a0, b[0], b[1]);
                    mma_bf16(s[nt], a1, b[2], b[3]);
                }
            }
            const int keyBase = (warp + 4 * i) * WTILE5 + tig * 2;
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
            const float mNew = fmaxf(mRun, mx);   // finite: key 0 of a tile is always valid
            const float alpha = exp2f(mRun - mNew);
            float rs = 0.f;
#pragma unroll
            for (int nt = 0; nt < 2; nt++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    s[nt][e] = exp2f(s[nt][e] - mNew);
                    rs += s[nt][e];
                }
            }
            rs += __shfl_xor_sync(0xffffffffu, rs, 1);
            rs += __shfl_xor_sync(0xffffffffu, rs, 2);
            lRun = lRun * alpha + rs;
            mRun = mNew;
#pragma unroll
            for (int dt = 0; dt < DT; dt++) {
                o[dt][0] *= alpha;
                o[dt][1] *= alpha;
            }
            // O += P V over the tile's 16 keys: P's A fragment is the score accumulators (rows gid).
            uint32_t a[4] = {pack_bf16x2(s[0][0], s[0][1]), 0u, pack_bf16x2(s[1][0], s[1][1]), 0u};
            const __nv_bfloat16* vbase = &Vs[(((lane >> 3) & 1) * 8 + (lane & 7)) * ROW + (lane >> 4) * 8];
#pragma unroll
            for (int dt = 0; dt < DT; dt += 2) {
                uint32_t b[4];
                float c0[4] = {o[dt][0], o[dt][1], 0.f, 0.f}, c1[4] = {o[dt + 1][0], o[dt + 1][1], 0.f, 0.f};
                ldmatrix_x4_trans(b, vbase + dt * 8);
                mma_bf16(c0, a, b[0], b[1]);
                mma_bf16(c1, a, b[2], b[3]);
                o[dt][0] = c0[0]; o[dt][1] = c0[1]; o[dt + 1][0] = c1[0]; o[dt + 1][1] = c1[1];
            }
            __syncwarp();   // every lane is done with this stage before it is refilled
            load(i + P);
        }
        asm volatile("cp.async.wait_group 0;\n" ::);
        // The 4 warps' (max, sum, O) of each row merged: O = sum_w exp2(m_w - M) O_w, l likewise. Each
        // warp stores its rescaled O apart and the block sums the four (shared-memory float atomics, a
        // compare-and-swap loop each, cost 2 to 7 us here: up to a third of the kernel at 8K keys).
        if (tig == 0 && realRow) { wm[warp][gid] = mRun; wl[warp][gid] = lRun; }
        __syncthreads();   // also: every ring is drained, its space is free
        float* ow = reinterpret_cast<float*>(raw);   // [4 warps][kvMul][D]
        float M = NEG_INF;
        if (realRow) {
#pragma unroll
            for (int w = 0; w < 4; w++) M = fmaxf(M, wm[w][gid]);   // finite: warp 0 has tile 0
            const float f = exp2f(mRun - M);   // 0 for a warp without keys (its O is 0 too)
            float* dst = ow + ((size_t)warp * kvMul + gid) * D + tig * 2;
#pragma unroll
            for (int dt = 0; dt < DT; dt++)
                *reinterpret_cast<float2*>(dst + dt * 8) = make_float2(o[dt][0] * f, o[dt][1] * f);
        }
        if (warp == 0 && tig == 0 && realRow) {
            float L = 0.f;
#pragma unroll
            for (int w = 0; w < 4; w++) L += wm[w][gid] == NEG_INF ? 0.f : wl[w][gid] * exp2f(wm[w][gid] - M);
            ml[gid][0] = M;
            ml[gid][1] = L;
        }
        __syncthreads();
        const int rows = kvMul * D;
        for (int i = tid; i < rows; i += THREADS5) {
            int hl = i / D, d = i - hl * D;
            const float osum = ow[i] + ow[rows + i] + ow[2 * rows + i] + ow[3 * rows + i];
            if (used == 1) {
                out[(rowH + hl) * D + d] = from_f32<T>(osum / ml[hl][1]);
            } else {
                size_t at = (rowH + hl) * splits + sp;
                partO[at * D + d] = osum;
                if (d == 0) { partML[2 * at] = ml[hl][0]; partML[2 * at + 1] = ml[hl][1]; }
            }
        }
    } else {
        pdl_wait();   // no keys here; waits all the same, so that this kernel ends after the one before it
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
    for (int idx = tid; idx < kvMul * D / 4; idx += THREADS5) {
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


#define INSTANTIATE_DECODE5(D, T, SUFFIX)                                                                         \
    extern "C" __global__ void __launch_bounds__(THREADS5) attention_decode_v5_d##D##SUFFIX(                     \
        T* out, float* partO, float* partML, unsigned* counters, const T* qkv, const __nv_bfloat16* kc,         \
        const __nv_bfloat16* vc, const int* seq, const int* slot, int nHeads, int nKvHeads, int capacity,       \
        float scaleLog2) {                                                                                        \
        attention_decode5<D>(out, partO, partML, counters, qkv, kc, vc, seq, slot, nHeads, nKvHeads, capacity,   \
                             scaleLog2);                                                                          \
    }
INSTANTIATE_DECODE5(32, float, _f32)
INSTANTIATE_DECODE5(64, float, _f32)
INSTANTIATE_DECODE5(128, float, _f32)
INSTANTIATE_DECODE5(32, __nv_bfloat16, _bf16)
INSTANTIATE_DECODE5(64, __nv_bfloat16, _bf16)
INSTANTIATE_DECODE5(128, __nv_bfloat16, _bf16)
