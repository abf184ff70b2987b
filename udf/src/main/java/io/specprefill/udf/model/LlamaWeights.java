package io.specprefill.udf.model;

import java.util.Map;

/**
 * The weights of a Llama checkpoint, as stored (any of F32/F16/BF16; the projections of an FP8
 * checkpoint F8_E4M3 with their scales in {@link #weightScales}), each a view into a mapped
 * safetensors file. Shapes are PyTorch's {@code nn.Linear} layout: [out, in]. Backends upload
 * these once; fusions (wq|wk|wv, w1|w3) happen in the upload, not here.
 * Built by {@link ModelLoader}, which checks every shape against the config. The attention
 * extras of some architectures (see {@link LlamaConfig.Architecture}) are null where the config
 * has none.
 */
public final class LlamaWeights {
    public final HostTensor tokenEmbedding; // model.embed_tokens.weight        [vocab, dim]
    public final HostTensor[] attnNorm;     // model.layers.i.input_layernorm   [layers][dim]
    public final HostTensor[] wq;           // self_attn.q_proj                 [layers][nHeads*headDim, dim]
    public final HostTensor[] wk;           // self_attn.k_proj                 [layers][nKvHeads*headDim, dim]
    public final HostTensor[] wv;           // self_attn.v_proj                 [layers][nKvHeads*headDim, dim]
    public final HostTensor[] wo;           // self_attn.o_proj                 [layers][dim, nHeads*headDim]
    public final HostTensor[] ffnNorm;      // post_attention_layernorm         [layers][dim]
    public final HostTensor[] w1;           // mlp.gate_proj                    [layers][hiddenDim, dim]
    public final HostTensor[] w2;           // mlp.down_proj                    [layers][dim, hiddenDim]
    public final HostTensor[] w3;           // mlp.up_proj                      [layers][hiddenDim, dim]
    public final HostTensor finalNorm;      // model.norm.weight                [dim]
    public final HostTensor lmHead;         // lm_head.weight, or the embedding when tied  [vocab, dim]
    public final HostTensor[] bq;           // self_attn.q_proj.bias (qkvBias)    [layers][nHeads*headDim], or null
    public final HostTensor[] bk;           // self_attn.k_proj.bias (qkvBias)    [layers][nKvHeads*headDim], or null
    public final HostTensor[] bv;           // self_attn.v_proj.bias (qkvBias)    [layers][nKvHeads*headDim], or null
    public final HostTensor[] bo;           // self_attn.o_proj.bias (oBias)      [layers][dim], or null
    public final HostTensor[] qNorm;        // self_attn.q_norm.weight (qkNorm)   [layers][headDim], or null
    public final HostTensor[] kNorm;        // self_attn.k_norm.weight (qkNorm)   [layers][headDim], or null
    /** FP8 checkpoints: weight name -> its {@code weight_scale} ([out, 1] or [1]); empty otherwise. */
    public final Map<String, HostTensor> weightScales;

    public LlamaWeights(HostTensor tokenEmbedding, HostTensor[] attnNorm, HostTensor[] wq, HostTensor[] wk,
                        HostTensor[] wv, HostTensor[] wo, HostTensor[] ffnNorm, HostTensor[] w1, HostTensor[] w2,
                        HostTensor[] w3, HostTensor finalNorm, HostTensor lmHead) {
        this(tokenEmbedding, attnNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3, finalNorm, lmHead,
                null, null, null, null, null, null);
    }

    /** With the attention extras: biases of q/k/v and o, per-head norms of q and k (null where absent). */
    public LlamaWeights(HostTensor tokenEmbedding, HostTensor[] attnNorm, HostTensor[] wq, HostTensor[] wk,
                        HostTensor[] wv, HostTensor[] wo, HostTensor[] ffnNorm, HostTensor[] w1, HostTensor[] w2,
                        HostTensor[] w3, HostTensor finalNorm, HostTensor lmHead, HostTensor[] bq, HostTensor[] bk,
                        HostTensor[] bv, HostTensor[] bo, HostTensor[] qNorm, HostTensor[] kNorm) {
        this(tokenEmbedding, attnNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3, finalNorm, lmHead, bq, bk, bv, bo, qNorm,
                kNorm, Map.of());
    }

    /** With the scales of an FP8 checkpoint's F8_E4M3 projections (weight name -> weight_scale). */
    public LlamaWeights(HostTensor tokenEmbedding, HostTensor[] attnNorm, HostTensor[] wq, HostTensor[] wk,
                        HostTensor[] wv, HostTensor[] wo, HostTensor[] ffnNorm, HostTensor[] w1, HostTensor[] w2,
                        HostTensor[] w3, HostTensor finalNorm, HostTensor lmHead, HostTensor[] bq, HostTensor[] bk,
                        HostTensor[] bv, HostTensor[] bo, HostTensor[] qNorm, HostTensor[] kNorm,
                        Map<String, HostTensor> weightScales) {
        this.tokenEmbedding = tokenEmbedding;
        this.attnNorm = attnNorm;
        this.wq = wq;
        this.wk = wk;
        this.wv = wv;
        this.wo = wo;
        this.ffnNorm = ffnNorm;
        this.w1 = w1;
        this.w2 = w2;
        this.w3 = w3;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.bq = bq;
        this.bk = bk;
        this.bv = bv;
        this.bo = bo;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.weightScales = Map.copyOf(weightScales);
    }

    /** The scale of an F8_E4M3 weight, or an error naming it. */
    public HostTensor scaleOf(HostTensor weight) {
        HostTensor s = weightScales.get(weight.name());
        if (s == null) throw new ModelFormatException("tensor '" + weight.name() + "' is F8_E4M3 but has no weight_scale");
        return s;
    }
}
