// The per-warp part of the tensor-core flash attention in attention_prefill.cu (included there, never
// compiled alone): one warp owns 16 query rows of one head; it keeps their Q fragments, the running
// max m, sum l and output O in registers, and consumes key blocks of 64 staged in shared memory
// row-major [64][D + 8] BF16 (8 BF16 of padding: the fragment loads below hit 32 distinct banks).
// mma.sync m16n8k16 BF16 -> f32 (sm_80+). Q and P are rounded to BF16 for the tensor cores, as
// FlashAttention does; scores, softmax and O accumulate in float32.
#pragma once
#include "common.cuh"

#define BN 64            // keys per block
#define KSTRIDE(D) ((D) + 8)

__device__ __forceinline__ void mma_bf16(float* c, const uint32_t* a, uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Four 8x8 BF16 matrices from shared memory, transposed: with rows = keys and columns = d, lane
// (gid, tig) receives [keys 2tig, 2tig+1][d gid] of each, the B operand layout of mma m16n8k16.
// (A transposing store of V into shared memory instead was a 16-way bank conflict.)
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t* r, const __nv_bfloat16* p) {
    uint32_t addr = (uint32_t)__cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}

// Non-transposed: with rows = keys and columns = d, lane (gid, tig) receives [key gid][d 2tig, 2tig+1]:
// the B operand of Q.K^T. x4 covers 32 columns (two k-steps), x2 16 (addresses of lanes 16-31 unused).
__device__ __forceinline__ void ldmatrix_x4(uint32_t* r, const __nv_bfloat16* p) {
    uint32_t addr = (uint32_t)__cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}

__device__ __forceinline__ void ldmatrix_x2(uint32_t* r, const __nv_bfloat16* p) {
    uint32_t addr = (uint32_t)__cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0,%1}, [%2];\n" : "=r"(r[0]), "=r"(r[1]) : "r"(addr));
}

__device__ __forceinline__ uint32_t load_q2(const float* q, bool valid) {
    if (!valid) return 0u;
    float2 v = *reinterpret_cast<const float2*>(q);
    return pack_bf16x2(v.x, v.y);
}

__device__ __forceinline__ uint32_t load_q2(const __nv_bfloat16* q, bool valid) {
    return valid ? *reinterpret_cast<const uint32_t*>(q) : 0u;
}

__device__ __forceinline__ void store_o2(float* o, float a, float b) {
    *reinterpret_cast<float2*>(o) = make_float2(a, b);
}

__device__ __forceinline__ void store_o2(__nv_bfloat16* o, float a, float b) {
    *reinterpret_cast<uint32_t*>(o) = pack_bf16x2(a, b);
}

// NH query heads of one KV group per warp (1 or 2): the K and V fragments loaded from shared memory
// serve NH heads' mma, halving shared-memory traffic per FLOP at NH = 2 (the rows, hence slots and
// masks, are the same for both heads). BNT keys per block (64; 32 keeps D = 128 in registers).
template <int D, int NH = 1, int BNT = BN>
struct WarpTile {
    static constexpr int KS = D / 16;   // k-steps of Q.K^T
    static constexpr int DT = D / 8;    // n-tiles of O
    uint32_t qf[NH][KS][4];             // Q fragments: rows gid and gid + 8, all of D
    float o[NH][DT][4];
    float m[NH][2], l[NH][2];           // running max (log2 units) and sum of the two owned rows
    int rslot[2];                       // the owned rows' KV slots (-1: row past the tile's end)
    int gid, tig, lane;

    // q0: row 0 of the warp's 16 at its first head (stride qkvStride; head hh at + hh * D);
    // validRows: how many of the 16 rows exist; slot0: their slots.
    template <typename TQ>
    __device__ __forceinline__ void init(const TQ* q0, int qkvStride, int validRows, const int* slot0) {
        lane = threadIdx.x & 31;
        gid = lane >> 2;
        tig = lane & 3;
        bool v0 = gid < validRows, v1 = gid + 8 < validRows;
        rslot[0] = v0 ? slot0[gid] : -1;
        rslot[1] = v1 ? slot0[gid + 8] : -1;
#pragma unroll
        for (int hh = 0; hh < NH; hh++) {
            const TQ* a = q0 + (size_t)gid * qkvStride + hh * D;
            const TQ* b = q0 + (size_t)(gid + 8) * qkvStride + hh * D;
#pragma unroll
            for (int ks = 0; ks < KS; ks++) {
                int c = ks * 16 + tig * 2;
                qf[hh][ks][0] = load_q2(a + c, v0);
                qf[hh][ks][1] = load_q2(b + c, v1);
                qf[hh][ks][2] = load_q2(a + c + 8, v0);
                qf[hh][ks][3] = load_q2(b + c + 8, v1);
            }
#pragma unroll
            for (int i = 0; i < DT; i++) o[hh][i][0] = o[hh][i][1] = o[hh][i][2] = o[hh][i][3] = 0.f;
            m[hh][0] = m[hh][1] = NEG_INF;
            l[hh][0] = l[hh][1] = 0.f;
        }
    }

    // One key block [kb, kb + BNT) from Ks, Vs. Keys past a row's slot are masked unless the whole
    // block is visible to both owned rows (every block but the diagonal ones, at long N).
    __device__ __forceinline__ void step(const __nv_bfloat16* Ks, const __nv_bfloat16* Vs, int kb, float scaleLog2) {
        float s[NH][BNT / 8][4];
#pragma unroll
        for (int nt = 0; nt < BNT / 8; nt++) {
#pragma unroll
            for (int hh = 0; hh < NH; hh++) s[hh][nt][0] = s[hh][nt][1] = s[hh][nt][2] = s[hh][nt][3] = 0.f;
            // ldmatrix: lane l addresses key nt*8 + l%8 at column (l/8)*8 of a 32-column (x4) or 16-column (x2) step.
            const __nv_bfloat16* kbase = &Ks[(nt * 8 + (lane & 7)) * KSTRIDE(D) + (lane >> 3) * 8];
#pragma unroll
            for (int ks = 0; ks + 1 < KS; ks += 2) {
                uint32_t b[4];
                ldmatrix_x4(b, kbase + ks * 16);
#pragma unroll
                for (int hh = 0; hh < NH; hh++) {
                    mma_bf16(s[hh][nt], qf[hh][ks], b[0], b[1]);
                    mma_bf16(s[hh][nt], qf[hh][ks + 1], b[2], b[3]);
                }
            }
            if (KS % 2 == 1) {
                uint32_t b[2];
                ldmatrix_x2(b, kbase + (KS - 1) * 16);
#pragma unroll
                for (int hh = 0; hh < NH; hh++) mma_bf16(s[hh][nt], qf[hh][KS - 1], b[0], b[1]);
            }
        }
        const bool full = kb + BNT - 1 <= min(rslot[0], rslot[1]);
#pragma unroll
        for (int hh = 0; hh < NH; hh++) {
#pragma unroll
            for (int i = 0; i < 2; i++) {
                float mx = NEG_INF;
#pragma unroll
                for (int nt = 0; nt < BNT / 8; nt++) {
#pragma unroll
                    for (int e = 0; e < 2; e++) {
                        float v = s[hh][nt][2 * i + e] * scaleLog2;
                        if (!full && kb + nt * 8 + tig * 2 + e > rslot[i]) v = NEG_INF;
                        s[hh][nt][2 * i + e] = v;
                        mx = fmaxf(mx, v);
                    }
                }
                mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
                mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
                float mNew = fmaxf(m[hh][i], mx);
                float mUse = mNew == NEG_INF ? 0.f : mNew;   // a row with no key yet: p = 0, no NaN
                float alpha = exp2f(m[hh][i] - mUse);
                m[hh][i] = mNew;
                float rs = 0.f;
#pragma unroll
                for (int nt = 0; nt < BNT / 8; nt++) {
#pragma unroll
                    for (int e = 0; e < 2; e++) {
                        float p = exp2f(s[hh][nt][2 * i + e] - mUse);
                        s[hh][nt][2 * i + e] = p;
                        rs += p;
                    }
                }
                l[hh][i] = l[hh][i] * alpha + rs;
#pragma unroll
                for (int dt = 0; dt < DT; dt++) {
                    o[hh][dt][2 * i] *= alpha;
                    o[hh][dt][2 * i + 1] *= alpha;
                }
            }
        }
        // O += P V: the S accumulators of key tiles 2kk, 2kk+1 are exactly the A fragment of k-step kk.
#pragma unroll
        for (int kk = 0; kk < BNT / 16; kk++) {
            uint32_t a[NH][4];
#pragma unroll
            for (int hh = 0; hh < NH; hh++) {
                a[hh][0] = pack_bf16x2(s[hh][2 * kk][0], s[hh][2 * kk][1]);
                a[hh][1] = pack_bf16x2(s[hh][2 * kk][2], s[hh][2 * kk][3]);
                a[hh][2] = pack_bf16x2(s[hh][2 * kk + 1][0], s[hh][2 * kk + 1][1]);
                a[hh][3] = pack_bf16x2(s[hh][2 * kk + 1][2], s[hh][2 * kk + 1][3]);
            }
            // ldmatrix x4: lane l addresses key kk*16 + (l/8 % 2)*8 + l%8 at column (dt + l/16)*8.
            const __nv_bfloat16* vbase = &Vs[(kk * 16 + ((lane >> 3) & 1) * 8 + (lane & 7)) * KSTRIDE(D) + (lane >> 4) * 8];
#pragma unroll
            for (int dt = 0; dt < DT; dt += 2) {
                uint32_t b[4];
                ldmatrix_x4_trans(b, vbase + dt * 8);
#pragma unroll
                for (int hh = 0; hh < NH; hh++) {
                    mma_bf16(o[hh][dt], a[hh], b[0], b[1]);
                    mma_bf16(o[hh][dt + 1], a[hh], b[2], b[3]);
                }
            }
        }
    }

    // out0: row 0 of the warp's 16 at its first head (stride outStride; head hh at + hh * D).
    template <typename TO>
    __device__ __forceinline__ void finish(TO* out0, int outStride) {
#pragma unroll
        for (int hh = 0; hh < NH; hh++) {
#pragma unroll
            for (int i = 0; i < 2; i++) {
                float li = l[hh][i];
                li += __shfl_xor_sync(0xffffffffu, li, 1);
                li += __shfl_xor_sync(0xffffffffu, li, 2);
                if (rslot[i] < 0) continue;
                float inv = 1.f / li;
                TO* orow = out0 + (size_t)(gid + 8 * i) * outStride + hh * D;
#pragma unroll
                for (int dt = 0; dt < DT; dt++) {
                    store_o2(orow + dt * 8 + tig * 2, o[hh][dt][2 * i] * inv, o[hh][dt][2 * i + 1] * inv);
                }
            }
        }
    }
};
