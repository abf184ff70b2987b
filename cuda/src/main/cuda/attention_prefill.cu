// attention_prefill: causal attention of packed prefill rows against the BF16 KV cache, flash-style.
//   out[t, h*D:(h+1)*D] = softmax_j(q_th . k_j / sqrt(D)) v_j over slots j in [0, slot[t]] of
//   sequence seq[t], KV head h / (H / G), softmax in float32 (online, never an N x N matrix).
// Shapes: qkv [T, (H + 2G) * D] (queries read from it), out [T, H * D], both f32 or both BF16
//   (one instantiation each, suffix _f32 / _bf16),
//   kc, vc: the layer's cache block [batch][G][capacity][D] BF16 (see kv_write.cu), slot [T] int32,
//   tiles [numTiles][8] int32: {row0, rows <= 64, seq, minSlot, maxSlot, 0, 0, 0}, every row of a
//   tile in one sequence; the host builds them per SeqBatch, heaviest (largest maxSlot) first.
// The warp's work (Q fragments, online softmax, P.V on tensor cores) is attention_tile.cuh; the
// versions differ in how key blocks reach shared memory and how many heads share them.
//   v1 (deleted): grid (H, numTiles), 4 warps = 64 rows of one head, key blocks loaded synchronously.
//       H100, H=32 G=8 D=128: 117 TFLOP/s at N=8K, 175 at N=32K (2026-11-25): L2-bound, each
//       64-row tile re-reads K and V, and no load overlaps the tensor cores.
//   v2: grid (H / HPB, numTiles), 4 * HPB warps = 64 rows of HPB heads of one KV group (HPB = 2
//       when H/G is even): a K/V block in shared memory serves twice the rows, halving L2 traffic;
//       cp.async double buffering loads block i+1 while block i computes. Dynamic shared memory:
//       2 stages x (K, V) x 64 x (D + 8) BF16 (69.6 KB at D = 128).
//       H100, H=32 G=8: D=128 194 TFLOP/s at N=8K, 242 at 32K; D=64 257 at 32K (2026-11-25).
//   v3: v2 with both heads of a pair in each warp (4 warps, grid (H / 2, numTiles)): every K and V
//       fragment a warp loads from shared memory feeds two heads' mma, halving the shared-memory
//       traffic per FLOP (v2 reads 32 KB per warp per key block: shared memory was the bound).
//       64-key blocks, 32 at D = 128 (its registers: 255, 8 bytes spilled). Needs H/G even.
//       H100, H=32 G=8: D=128 260 TFLOP/s at N=8K, 287 at 32K; D=64 246 at 32K (v2 then: 193, 251,
//       210; 2026-11-25, BENCHMARKS.md). Live: v3 where H/G is even, else v2 (one head per warp).
//   D in {16, 32, 64, 128} (one instantiation each). Other D, and decode, use attention_decode.cu.
// Fresh BF16 prefills go to cuDNN's fused attention where cuDNN 9 is installed (CudaOps, Cudnn.java):
//   H200, H=32 G=8 (2026-11-30, BENCHMARKS.md): D=128 603 TFLOP/s at 8K, 598 at 32K; D=64 422, 458.
//   These kernels, same call: v3 D=128 251 / 285, D=64 238 / 248; v2 236 / 250, 199 / 209. They stay
//   as cuDNN's test twin and serve appended prefills (rows after slot 0) and machines without cuDNN.
#include "attention_tile.cuh"

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem) {
    uint32_t s = (uint32_t)__cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem));
}

// HPB heads of one KV group per block, NH of them per warp, BNT keys per block: v2 is <D, HPB, 1, 64>,
// v3 is <D, 2, 2, BNT>. Warps: 4 * HPB / NH, each 16 rows of NH heads.
template <int D, int HPB, int NH, int BNT, typename T>
__device__ void attention_prefill2(T* __restrict__ out, const T* __restrict__ qkv,
                                   const __nv_bfloat16* __restrict__ kc, const __nv_bfloat16* __restrict__ vc,
                                   const int* __restrict__ slot, const int* __restrict__ tiles,
                                   int nHeads, int nKvHeads, int capacity, float scaleLog2) {
    constexpr int TILE = BNT * KSTRIDE(D);   // BF16 elements of one K or V block
    extern __shared__ __align__(16) __nv_bfloat16 smem[];   // [2 stages][K block, V block]
    const int warp = threadIdx.x >> 5;
    const int h = blockIdx.x * HPB + (warp / 4) * NH, slice = warp % 4;
    const int* tile = tiles + blockIdx.y * 8;
    const int row0 = tile[0], rows = tile[1], seq = tile[2], kvLen = tile[4] + 1;
    const int g = h / (nHeads / nKvHeads);   // the same for all HPB heads: HPB divides H/G
    const int qkvStride = (nHeads + 2 * nKvHeads) * D, r0 = row0 + slice * 16;
    WarpTile<D, NH, BNT> w;
    w.init(qkv + (size_t)r0 * qkvStride + h * D, qkvStride, rows - slice * 16, slot + r0);
    const size_t headBase = ((size_t)seq * nKvHeads + g) * capacity * D;
    const uint4* kg = reinterpret_cast<const uint4*>(kc + headBase);
    const uint4* vg = reinterpret_cast<const uint4*>(vc + headBase);
    auto load = [&](int stage, int kb) {
        __nv_bfloat16* Ks = smem + stage * 2 * TILE;
        __nv_bfloat16* Vs = Ks + TILE;
        for (int c = threadIdx.x; c < BNT * D / 8; c += blockDim.x) {
            int j = c / (D / 8), d8 = (c - j * (D / 8)) * 8;
            if (kb + j < kvLen) {
                cp_async16(&Ks[j * KSTRIDE(D) + d8], kg + (size_t)(kb + j) * (D / 8) + d8 / 8);
                cp_async16(&Vs[j * KSTRIDE(D) + d8], vg + (size_t)(kb + j) * (D / 8) + d8 / 8);
            } else {   // zero-fill past the end: 0 * garbage could be NaN
                *reinterpret_cast<uint4*>(&Ks[j * KSTRIDE(D) + d8]) = make_uint4(0, 0, 0, 0);
                *reinterpret_cast<uint4*>(&Vs[j * KSTRIDE(D) + d8]) = make_uint4(0, 0, 0, 0);
            }
        }
        asm volatile("cp.async.commit_group;\n" ::);
    };
    const int blocks = (kvLen + BNT - 1) / BNT;
    load(0, 0);
    for (int i = 0; i < blocks; i++) {
        if (i + 1 < blocks) {
            load((i + 1) & 1, (i + 1) * BNT);
            asm volatile("cp.async.wait_group 1;\n" ::);   // block i has landed, block i+1 may be in flight
        } else {
            asm volatile("cp.async.wait_group 0;\n" ::);
        }
        __syncthreads();
        const __nv_bfloat16* Ks = smem + (i & 1) * 2 * TILE;
        w.step(Ks, Ks + TILE, i * BNT, scaleLog2);
        __syncthreads();   // stage i & 1 is free for block i + 2
    }
    w.finish(out + (size_t)r0 * nHeads * D + h * D, nHeads * D);
}

#define INSTANTIATE(D, T, SUFFIX)                                                                                 \
    extern "C" __global__ void __launch_bounds__(128) attention_prefill_v2_d##D##_h1##SUFFIX(                   \
        T* out, const T* qkv, const __nv_bfloat16* kc, const __nv_bfloat16* vc, const int* slot,               \
        const int* tiles, int nHeads, int nKvHeads, int capacity, float scaleLog2) {                            \
        attention_prefill2<D, 1, 1, 64>(out, qkv, kc, vc, slot, tiles, nHeads, nKvHeads, capacity, scaleLog2);  \
    }                                                                                                             \
    extern "C" __global__ void __launch_bounds__(256) attention_prefill_v2_d##D##_h2##SUFFIX(                   \
        T* out, const T* qkv, const __nv_bfloat16* kc, const __nv_bfloat16* vc, const int* slot,               \
        const int* tiles, int nHeads, int nKvHeads, int capacity, float scaleLog2) {                            \
        attention_prefill2<D, 2, 1, 64>(out, qkv, kc, vc, slot, tiles, nHeads, nKvHeads, capacity, scaleLog2);  \
    }
#define INSTANTIATE3(D, BNT, T, SUFFIX)                                                                           \
    extern "C" __global__ void __launch_bounds__(128) attention_prefill_v3_d##D##SUFFIX(                        \
        T* out, const T* qkv, const __nv_bfloat16* kc, const __nv_bfloat16* vc, const int* slot,               \
        const int* tiles, int nHeads, int nKvHeads, int capacity, float scaleLog2) {                            \
        attention_prefill2<D, 2, 2, BNT>(out, qkv, kc, vc, slot, tiles, nHeads, nKvHeads, capacity, scaleLog2); \
    }
#define INSTANTIATE_ALL(T, SUFFIX)                                                                                \
    INSTANTIATE(16, T, SUFFIX) INSTANTIATE(32, T, SUFFIX) INSTANTIATE(64, T, SUFFIX) INSTANTIATE(128, T, SUFFIX) \
    INSTANTIATE3(16, 64, T, SUFFIX) INSTANTIATE3(32, 64, T, SUFFIX) INSTANTIATE3(64, 64, T, SUFFIX)             \
    INSTANTIATE3(128, 32, T, SUFFIX)
INSTANTIATE_ALL(float, _f32)
INSTANTIATE_ALL(__nv_bfloat16, _bf16)
