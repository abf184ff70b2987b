// kv_write: copies the key and value parts of each row of qkv [T, (H + 2G) * D] (float or BF16) into
// one layer of the KV cache, as BF16 (rounded from float), at slot[t] of sequence seq[t].
// Cache layout (this backend's choice): K and V each [layers][batch][G][capacity][D] BF16, head-major
// so that the keys of one (sequence, KV head) are contiguous: attention tiles, cuDNN's fused attention
// (K, V as [G][capacity][D] strided tensors) and the decode scan read them with 16-byte coalesced
// loads. BF16 halves the bytes decode attention reads, as a BF16 PyTorch model's cache does.
// kc, vc point at the layer's block [batch][G][capacity][D].
// Live: v1 (a thread per element: f32 rows, and BF16 rows when D % 8 != 0) and v2 (BF16 rows: a thread
//   per 8 elements, 16-byte copies). Grid (T).
//   H200 (2026-11-30): v2 T=32768 G=8 D=128 0.068 ms, 3959 GB/s (94%); T=1 2.7 us under ncu.
#include "common.cuh"

template <typename T>
__device__ void kv_write1(__nv_bfloat16* __restrict__ kc, __nv_bfloat16* __restrict__ vc, const T* __restrict__ qkv,
                          const int* __restrict__ seq, const int* __restrict__ slot, int nHeads, int nKvHeads,
                          int headDim, int capacity) {
    int t = blockIdx.x;
    int kvDim = nKvHeads * headDim;
    const T* k = qkv + (size_t)t * (nHeads + 2 * nKvHeads) * headDim + (size_t)nHeads * headDim;
    const T* v = k + kvDim;
    size_t s = seq[t], j = slot[t];
    for (int e = threadIdx.x; e < kvDim; e += blockDim.x) {
        int g = e / headDim, d = e - g * headDim;
        size_t at = ((s * nKvHeads + g) * capacity + j) * headDim + d;
        kc[at] = __float2bfloat16_rn(to_f32(k[e]));
        vc[at] = __float2bfloat16_rn(to_f32(v[e]));
    }
}

extern "C" __global__ void kv_write_v1_f32(__nv_bfloat16* __restrict__ kc, __nv_bfloat16* __restrict__ vc,
                                           const float* __restrict__ qkv, const int* __restrict__ seq,
                                           const int* __restrict__ slot, int nHeads, int nKvHeads, int headDim,
                                           int capacity) {
    kv_write1(kc, vc, qkv, seq, slot, nHeads, nKvHeads, headDim, capacity);
}

extern "C" __global__ void kv_write_v1_bf16(__nv_bfloat16* __restrict__ kc, __nv_bfloat16* __restrict__ vc,
                                            const __nv_bfloat16* __restrict__ qkv, const int* __restrict__ seq,
                                            const int* __restrict__ slot, int nHeads, int nKvHeads, int headDim,
                                            int capacity) {
    kv_write1(kc, vc, qkv, seq, slot, nHeads, nKvHeads, headDim, capacity);
}

extern "C" __global__ void kv_write_v2_bf16(__nv_bfloat16* __restrict__ kc, __nv_bfloat16* __restrict__ vc,
                                            const __nv_bfloat16* __restrict__ qkv, const int* __restrict__ seq,
                                            const int* __restrict__ slot, int nHeads, int nKvHeads, int headDim,
                                            int capacity) {
    int t = blockIdx.x;
    int kvDim = nKvHeads * headDim;
    const uint4* k = reinterpret_cast<const uint4*>(qkv + (size_t)t * (nHeads + 2 * nKvHeads) * headDim
                                                    + (size_t)nHeads * headDim);
    const uint4* v = k + kvDim / 8;
    size_t s = seq[t], j = slot[t];
    for (int e8 = threadIdx.x; e8 < kvDim / 8; e8 += blockDim.x) {
        int e = e8 * 8, g = e / headDim, d = e - g * headDim;
        size_t at = (((s * nKvHeads + g) * capacity + j) * headDim + d) / 8;
        reinterpret_cast<uint4*>(kc)[at] = k[e8];
        reinterpret_cast<uint4*>(vc)[at] = v[e8];
    }
}
