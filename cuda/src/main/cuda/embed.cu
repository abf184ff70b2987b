// embed: out[t, :] = table[tokens[t], :] (nn.Embedding), widened to float32.
// Shapes: table [vocab, dim] BF16 (weights live in BF16 on the device), tokens [T] int32, out [T, dim] f32.
// Live: v1, one block per token, 8-byte BF16 loads (dim is even for every Llama). A token id outside
// [0, vocab) cannot raise an error from a kernel, so its row is written as NaN: never silently a
// valid-looking row (the tokenizer never produces such ids).
// H200 (2026-11-30): T=1 dim=4096 5.2 us under ncu (a decode step; prefill rows are not timed apart).
#include "common.cuh"

extern "C" __global__ void embed_v1(float* __restrict__ out, const __nv_bfloat16* __restrict__ table,
                                    const int* __restrict__ tokens, int dim, int vocab) {
    int t = blockIdx.x;
    int tok = tokens[t];
    float* o = out + (size_t)t * dim;
    if (tok < 0 || tok >= vocab) {
        for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = __int_as_float(0x7fc00000);
        return;
    }
    const uint32_t* row = reinterpret_cast<const uint32_t*>(table + (size_t)tok * dim);
    for (int i = threadIdx.x; i < dim / 2; i += blockDim.x) {
        float2 v = bf16x2_to_float2(row[i]);
        o[2 * i] = v.x;
        o[2 * i + 1] = v.y;
    }
}
