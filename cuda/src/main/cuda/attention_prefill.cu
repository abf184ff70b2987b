// attention_prefill: causal attention of packed prefill rows against the BF16 KV cache, flash-style.
//   out[t, h*D:(h+1)*D] = softmax_j(q_th . k_j / sqrt(D)) v_j over slots j in [0, slot[t]] of
//   sequence seq[t], KV head h / (H / G), softmax in float32 (online, never an N x N matrix).
// Shapes: qkv [T, (H + 2G) * D] f32 (queries read from it), out [T, H * D] f32,
//   kc, vc: the layer's cache block [batch][G][capacity][D] BF16 (see kv_write.cu), slot [T] int32,
//   tiles [numTiles][8] int32: {row0, rows <= 64, seq, minSlot, maxSlot, 0, 0, 0}, every row of a
//   tile in one sequence; the host builds them per SeqBatch, heaviest (largest maxSlot) first.
// Live: v1, tensor cores through mma.sync m16n8k16 BF16 -> f32 (sm_80+): grid (H, numTiles),
//   4 warps, 64 query rows a block (16 a warp, the Q fragments held in registers), key blocks of
//   64 staged in shared memory row-major; K fragments are 32-bit loads, V fragments come transposed
//   by ldmatrix.trans (a transposing store into shared memory was a 16-way bank conflict); rows are
//   padded by 8 BF16 so both hit 32 distinct banks. Q and P are rounded to BF16
//   for the tensor cores (as FlashAttention does); scores, softmax and the output accumulate in f32.
//   D in {16, 32, 64, 128} (one instantiation each). Other D, and decode, use attention_decode.cu.
#include "common.cuh"

#define BM 64
#define BN 64

__device__ __forceinline__ void mma_bf16(float* c, const uint32_t* a, uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Four 8x8 BF16 matrices from shared memory, transposed: with rows = keys and columns = d, lane
// (gid, tig) receives [keys 2tig, 2tig+1][d gid] of each, the B operand layout of mma m16n8k16.
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t* r, const __nv_bfloat16* p) {
    uint32_t addr = (uint32_t)__cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}

// Q fragment of one m16k16 step: rows r and r + 8 of the warp's 16, columns c..c+1 and c+8..c+9.
__device__ __forceinline__ uint32_t load_q2(const float* q, bool valid) {
    if (!valid) return 0u;
    float2 v = *reinterpret_cast<const float2*>(q);
    return pack_bf16x2(v.x, v.y);
}

template <int D>
__device__ void attention_prefill(float* __restrict__ out, const float* __restrict__ qkv,
                                  const __nv_bfloat16* __restrict__ kc, const __nv_bfloat16* __restrict__ vc,
                                  const int* __restrict__ slot, const int* __restrict__ tiles,
                                  int nHeads, int nKvHeads, int capacity, float scaleLog2) {
    constexpr int KS = D / 16;           // k-steps of Q.K^T
    constexpr int DT = D / 8;            // n-tiles of the output
    constexpr int KSTRIDE = D + 8;       // BF16 elements per Ks row
    __shared__ __align__(16) __nv_bfloat16 Ks[BN * KSTRIDE];
    __shared__ __align__(16) __nv_bfloat16 Vs[BN * KSTRIDE];

    const int h = blockIdx.x;
    const int* tile = tiles + blockIdx.y * 8;
    const int row0 = tile[0], rows = tile[1], seq = tile[2], kvLen = tile[4] + 1;
    const int g = h / (nHeads / nKvHeads);
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int gid = lane >> 2, tig = lane & 3;
    const int qkvStride = (nHeads + 2 * nKvHeads) * D;

    // The two rows this thread owns in the warp's 16: r[0] = gid, r[1] = gid + 8.
    int rloc[2] = {warp * 16 + gid, warp * 16 + gid + 8};
    bool rvalid[2] = {rloc[0] < rows, rloc[1] < rows};
    int rslot[2] = {rvalid[0] ? slot[row0 + rloc[0]] : -1, rvalid[1] ? slot[row0 + rloc[1]] : -1};

    uint32_t qf[KS][4];
    {
        const float* q0 = qkv + (size_t)(row0 + rloc[0]) * qkvStride + h * D;
        const float* q1 = qkv + (size_t)(row0 + rloc[1]) * qkvStride + h * D;
#pragma unroll
        for (int ks = 0; ks < KS; ks++) {
            int c = ks * 16 + tig * 2;
            qf[ks][0] = load_q2(q0 + c, rvalid[0]);
            qf[ks][1] = load_q2(q1 + c, rvalid[1]);
            qf[ks][2] = load_q2(q0 + c + 8, rvalid[0]);
            qf[ks][3] = load_q2(q1 + c + 8, rvalid[1]);
        }
    }

    float o[DT][4];
#pragma unroll
    for (int i = 0; i < DT; i++) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.f;
    float m[2] = {NEG_INF, NEG_INF}, l[2] = {0.f, 0.f};

    const size_t headBase = ((size_t)seq * nKvHeads + g) * capacity * D;
    const uint4* kg = reinterpret_cast<const uint4*>(kc + headBase);
    const uint4* vg = reinterpret_cast<const uint4*>(vc + headBase);

    for (int kb = 0; kb < kvLen; kb += BN) {
        __syncthreads();   // the previous block's Ks/Vs reads are done
        for (int c = threadIdx.x; c < BN * D / 8; c += blockDim.x) {
            int j = c / (D / 8), d8 = (c - j * (D / 8)) * 8;
            bool in = kb + j < kvLen;   // zero-fill past the end: 0 * garbage could be NaN
            uint4 kv4 = in ? kg[(size_t)(kb + j) * (D / 8) + d8 / 8] : make_uint4(0, 0, 0, 0);
            uint4 vv4 = in ? vg[(size_t)(kb + j) * (D / 8) + d8 / 8] : make_uint4(0, 0, 0, 0);
            *reinterpret_cast<uint4*>(&Ks[j * KSTRIDE + d8]) = kv4;
            *reinterpret_cast<uint4*>(&Vs[j * KSTRIDE + d8]) = vv4;
        }
        __syncthreads();

        float s[BN / 8][4];
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
            const __nv_bfloat16* krow = &Ks[(nt * 8 + gid) * KSTRIDE + tig * 2];
#pragma unroll
            for (int ks = 0; ks < KS; ks++) {
                uint32_t b0 = *reinterpret_cast<const uint32_t*>(krow + ks * 16);
                uint32_t b1 = *reinterpret_cast<const uint32_t*>(krow + ks * 16 + 8);
                mma_bf16(s[nt], qf[ks], b0, b1);
            }
        }

        // Scale to log2 units, mask (key j > the row's slot), online softmax per owned row.
#pragma unroll
        for (int i = 0; i < 2; i++) {
            float mx = NEG_INF;
#pragma unroll
            for (int nt = 0; nt < BN / 8; nt++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    int j = kb + nt * 8 + tig * 2 + e;
                    float v = j <= rslot[i] ? s[nt][2 * i + e] * scaleLog2 : NEG_INF;
                    s[nt][2 * i + e] = v;
                    mx = fmaxf(mx, v);
                }
            }
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
            float mNew = fmaxf(m[i], mx);
            float mUse = mNew == NEG_INF ? 0.f : mNew;   // a row with no key yet: keep p = 0, no NaN
            float alpha = exp2f(m[i] - mUse);
            m[i] = mNew;
            float rs = 0.f;
#pragma unroll
            for (int nt = 0; nt < BN / 8; nt++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    float p = exp2f(s[nt][2 * i + e] - mUse);
                    s[nt][2 * i + e] = p;
                    rs += p;
                }
            }
            l[i] = l[i] * alpha + rs;
#pragma unroll
            for (int dt = 0; dt < DT; dt++) {
                o[dt][2 * i] *= alpha;
                o[dt][2 * i + 1] *= alpha;
            }
        }

        // O += P V: the S accumulators of key tiles 2kk, 2kk+1 are exactly the A fragment of k-step kk.
#pragma unroll
        for (int kk = 0; kk < BN / 16; kk++) {
            uint32_t a[4] = {pack_bf16x2(s[2 * kk][0], s[2 * kk][1]), pack_bf16x2(s[2 * kk][2], s[2 * kk][3]),
                             pack_bf16x2(s[2 * kk + 1][0], s[2 * kk + 1][1]),
                             pack_bf16x2(s[2 * kk + 1][2], s[2 * kk + 1][3])};
            // ldmatrix x4: lane l addresses key kk*16 + (l/8 % 2)*8 + l%8 at column (dt + l/16)*8.
            const __nv_bfloat16* vbase = &Vs[(kk * 16 + ((lane >> 3) & 1) * 8 + (lane & 7)) * KSTRIDE + (lane >> 4) * 8];
#pragma unroll
            for (int dt = 0; dt < DT; dt += 2) {
                uint32_t b[4];
                ldmatrix_x4_trans(b, vbase + dt * 8);
                mma_bf16(o[dt], a, b[0], b[1]);
                mma_bf16(o[dt + 1], a, b[2], b[3]);
            }
        }
    }

#pragma unroll
    for (int i = 0; i < 2; i++) {
        float li = l[i];
        li += __shfl_xor_sync(0xffffffffu, li, 1);
        li += __shfl_xor_sync(0xffffffffu, li, 2);
        if (!rvalid[i]) continue;
        float inv = 1.f / li;
        float* orow = out + (size_t)(row0 + rloc[i]) * nHeads * D + h * D;
#pragma unroll
        for (int dt = 0; dt < DT; dt++) {
            *reinterpret_cast<float2*>(orow + dt * 8 + tig * 2) = make_float2(o[dt][2 * i] * inv, o[dt][2 * i + 1] * inv);
        }
    }
}

#define INSTANTIATE(D)                                                                                            \
    extern "C" __global__ void __launch_bounds__(128) attention_prefill_v1_d##D(                                \
        float* out, const float* qkv, const __nv_bfloat16* kc, const __nv_bfloat16* vc, const int* slot,       \
        const int* tiles, int nHeads, int nKvHeads, int capacity, float scaleLog2) {                            \
        attention_prefill<D>(out, qkv, kc, vc, slot, tiles, nHeads, nKvHeads, capacity, scaleLog2);              \
    }
INSTANTIATE(16)
INSTANTIATE(32)
INSTANTIATE(64)
INSTANTIATE(128)
