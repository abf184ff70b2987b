package io.specprefill.udf.testing;

import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.HostTensor;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.LlamaWeights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Random tiny Llama checkpoints in memory (config + weights as {@link HostTensor}s over heap
 * ByteBuffers), for tests that need a model without files. Fixed seed, any dtype, tied or not,
 * with or without llama3 rope scaling, with the attention extras of the config's architecture
 * (Qwen2's biases, Qwen3's q/k norms). Values are drawn in float32 and then rounded to the dtype,
 * so {@link HostTensor#toFloatArray()} gives exactly what a backend must compute with.
 */
public final class TinyLlama {
    private TinyLlama() {
    }

    /** The llama3 scaling of the hf-golden fixtures (small original length, so it matters). */
    public static final LlamaConfig.RopeScaling LLAMA3_SMALL =
            new LlamaConfig.RopeScaling("llama3", 8f, 1f, 4f, 64);

    /** A config; eos = vocab - 1, bos = vocab - 2. */
    public static LlamaConfig config(int dim, int layers, int heads, int kvHeads, int headDim, int hidden, int vocab,
                                     boolean tied, float theta, LlamaConfig.RopeScaling scaling) {
        return new LlamaConfig(dim, layers, heads, kvHeads, headDim, hidden, vocab, 1e-5f, theta, scaling, tied,
                "float32", vocab - 2, new int[]{vocab - 1}, 4096, "tiny-llama");
    }

    /** GQA 6/2, head_dim 16, 3 layers, llama3 scaling: the shape of hf-golden's tiny-target. */
    public static LlamaConfig small(boolean tied) {
        return config(96, 3, 6, 2, 16, 256, 301, tied, 500000f, LLAMA3_SMALL);
    }

    /** Random weights for a config, stored as dtype; the LM head is the embedding tensor when tied. */
    public static LlamaWeights weights(LlamaConfig c, DType dtype, long seed) {
        Random r = new Random(seed);
        int L = c.nLayers();
        HostTensor[] attnNorm = new HostTensor[L], wq = new HostTensor[L], wk = new HostTensor[L],
                wv = new HostTensor[L], wo = new HostTensor[L], ffnNorm = new HostTensor[L],
                w1 = new HostTensor[L], w2 = new HostTensor[L], w3 = new HostTensor[L];
        double sd = 1.0 / Math.sqrt(c.dim());
        for (int l = 0; l < L; l++) {
            String p = "model.layers." + l + ".";
            attnNorm[l] = norm(p + "input_layernorm.weight", dtype, c.dim(), r);
            wq[l] = random(p + "self_attn.q_proj.weight", dtype, r, sd, c.qDim(), c.dim());
            wk[l] = random(p + "self_attn.k_proj.weight", dtype, r, sd, c.kvDim(), c.dim());
            wv[l] = random(p + "self_attn.v_proj.weight", dtype, r, sd, c.kvDim(), c.dim());
            wo[l] = random(p + "self_attn.o_proj.weight", dtype, r, 1.0 / Math.sqrt(c.qDim()), c.dim(), c.qDim());
            ffnNorm[l] = norm(p + "post_attention_layernorm.weight", dtype, c.dim(), r);
            w1[l] = random(p + "mlp.gate_proj.weight", dtype, r, sd, c.hiddenDim(), c.dim());
            w2[l] = random(p + "mlp.down_proj.weight", dtype, r, 1.0 / Math.sqrt(c.hiddenDim()), c.dim(), c.hiddenDim());
            w3[l] = random(p + "mlp.up_proj.weight", dtype, r, sd, c.hiddenDim(), c.dim());
        }
        HostTensor emb = random("model.embed_tokens.weight", dtype, r, 1.0, c.vocabSize(), c.dim());
        HostTensor finalNorm = norm("model.norm.weight", dtype, c.dim(), r);
        HostTensor head = c.tiedEmbeddings() ? emb : random("lm_head.weight", dtype, r, sd, c.vocabSize(), c.dim());
        // the attention extras come last, so a plain Llama's weights do not depend on them
        LlamaConfig.Architecture a = c.architecture();
        HostTensor[] bq = a.qkvBias() ? new HostTensor[L] : null, bk = a.qkvBias() ? new HostTensor[L] : null,
                bv = a.qkvBias() ? new HostTensor[L] : null, bo = a.oBias() ? new HostTensor[L] : null,
                qNorm = a.qkNorm() ? new HostTensor[L] : null, kNorm = a.qkNorm() ? new HostTensor[L] : null;
        for (int l = 0; l < L; l++) {
            String p = "model.layers." + l + ".self_attn.";
            if (bq != null) {
                bq[l] = random(p + "q_proj.bias", dtype, r, 0.5, c.qDim());
                bk[l] = random(p + "k_proj.bias", dtype, r, 0.5, c.kvDim());
                bv[l] = random(p + "v_proj.bias", dtype, r, 0.5, c.kvDim());
            }
            if (bo != null) bo[l] = random(p + "o_proj.bias", dtype, r, 0.5, c.dim());
            if (qNorm != null) {
                qNorm[l] = norm(p + "q_norm.weight", dtype, c.headDim(), r);
                kNorm[l] = norm(p + "k_norm.weight", dtype, c.headDim(), r);
            }
        }
        return new LlamaWeights(emb, attnNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3, finalNorm, head,
                bq, bk, bv, bo, qNorm, kNorm);
    }

    private static HostTensor norm(String name, DType dtype, int dim, Random r) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) v[i] = (float) (1.0 + 0.2 * r.nextGaussian());
        return tensor(name, dtype, new long[]{dim}, v);
    }

    /** A gaussian tensor of standard deviation sd. */
    public static HostTensor random(String name, DType dtype, Random r, double sd, long... shape) {
        float[] v = new float[Math.toIntExact(HostTensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) (sd * r.nextGaussian());
        return tensor(name, dtype, shape, v);
    }

    /** values rounded to dtype (round to nearest even) in a little-endian heap buffer. */
    public static HostTensor tensor(String name, DType dtype, long[] shape, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) {
            switch (dtype) {
                case F32: buf.putFloat(f); break;
                case BF16: buf.putShort(DType.floatToBf16(f)); break;
                case F16: buf.putShort(DType.floatToF16(f)); break;
                default: throw new IllegalStateException(dtype.name());
            }
        }
        buf.flip();
        return new HostTensor(name, dtype, shape, buf);
    }
}
