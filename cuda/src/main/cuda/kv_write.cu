// kv_write: copies the key and value parts of each row of qkv [T, (H + 2G) * D] f32 into one layer of
// the KV cache, rounded to BF16, at slot[t] of sequence seq[t].
// Cache layout (this backend's choice): K and V each [layers][batch][G][capacity][D] BF16, head-major
// so that the keys of one (sequence, KV head) are contiguous: attention tiles and the decode scan
// read them with 16-byte coalesced loads. BF16 halves the bytes decode attention reads, as a BF16
// PyTorch model's cache does. kc, vc point at the layer's block [batch][G][capacity][D].
// Live: v1, grid (T), threads over G * D.
#include "common.cuh"

extern "C" __global__ void kv_write_v1(__nv_bfloat16* __restrict__ kc, __nv_bfloat16* __restrict__ vc,
                                       const float* __restrict__ qkv, const int* __restrict__ seq,
                                       const int* __restrict__ slot, int nHeads, int nKvHeads, int headDim,
                                       int capacity) {
    int t = blockIdx.x;
    int kvDim = nKvHeads * headDim;
    const float* k = qkv + (size_t)t * (nHeads + 2 * nKvHeads) * headDim + (size_t)nHeads * headDim;
    const float* v = k + kvDim;
    size_t s = seq[t], j = slot[t];
    for (int e = threadIdx.x; e < kvDim; e += blockDim.x) {
        int g = e / headDim, d = e - g * headDim;
        size_t at = ((s * nKvHeads + g) * capacity + j) * headDim + d;
        kc[at] = __float2bfloat16_rn(k[e]);
        vc[at] = __float2bfloat16_rn(v[e]);
    }
}
