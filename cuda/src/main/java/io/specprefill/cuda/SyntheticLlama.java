package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.LlamaConfig;

import java.util.List;

/**
 * Llama models of real shapes with random weights generated directly on the GPU (no host arrays of
 * gigabytes), for performance runs: they cost the same FLOPs and bytes as trained weights. Matrices
 * are uniform with standard deviation 0.02 (HF's initializer range), norm vectors 1.
 */
public final class SyntheticLlama {
    /** The names {@code --synthetic} accepts. */
    public static final List<String> NAMES = List.of("llama-3.2-1b", "llama-3.1-8b");

    private static final int VOCAB = 128256;   // Llama 3's vocabulary
    private static final float STD = 0.02f;

    private SyntheticLlama() {
    }

    /** The config of a named real model (Hugging Face's config.json values). */
    public static LlamaConfig config(String name) {
        int[] eos = {128001, 128008, 128009};
        switch (name) {
            case "llama-3.2-1b":
                return new LlamaConfig(2048, 16, 32, 8, 64, 8192, VOCAB, 1e-5f, 500000f,
                        new LlamaConfig.RopeScaling("llama3", 32f, 1f, 4f, 8192), true, "bfloat16", 128000, eos,
                        131072, "synthetic:" + name);
            case "llama-3.1-8b":
                return new LlamaConfig(4096, 32, 32, 8, 128, 14336, VOCAB, 1e-5f, 500000f,
                        new LlamaConfig.RopeScaling("llama3", 8f, 1f, 4f, 8192), false, "bfloat16", 128000, eos,
                        131072, "synthetic:" + name);
            default:
                throw new IllegalArgumentException("synthetic model '" + name + "' is not known (known: " + NAMES + ")");
        }
    }

    /** A model of config c with weights generated on the backend's GPU from {@code seed}. */
    public static LlamaModel build(CudaBackend b, LlamaConfig c, long seed) {
        int L = c.nLayers();
        float scale = (float) (STD * Math.sqrt(3.0));   // uniform [-s, s) has std s / sqrt(3)
        long[] counter = {seed * 1000};   // one seed per tensor
        Backend.Weight[] attnNorm = new Backend.Weight[L], wqkv = new Backend.Weight[L], wo = new Backend.Weight[L],
                ffnNorm = new Backend.Weight[L], w13 = new Backend.Weight[L], w2 = new Backend.Weight[L];
        Backend.Weight embedding = b.randomWeight(c.vocabSize(), c.dim(), counter[0]++, scale, "embed_tokens");
        for (int l = 0; l < L; l++) {
            String p = "layers." + l + ".";
            attnNorm[l] = b.constantVector(c.dim(), 1f, p + "input_layernorm");
            wqkv[l] = b.randomWeight(c.qDim() + 2L * c.kvDim(), c.dim(), counter[0]++, scale, p + "wqkv");
            wo[l] = b.randomWeight(c.dim(), c.qDim(), counter[0]++, scale, p + "wo");
            ffnNorm[l] = b.constantVector(c.dim(), 1f, p + "post_attention_layernorm");
            w13[l] = b.randomWeight(2L * c.hiddenDim(), c.dim(), counter[0]++, scale, p + "w13");
            w2[l] = b.randomWeight(c.dim(), c.hiddenDim(), counter[0]++, scale, p + "w2");
        }
        Backend.Weight finalNorm = b.constantVector(c.dim(), 1f, "norm");
        Backend.Weight lmHead = c.tiedEmbeddings() ? embedding
                : b.randomWeight(c.vocabSize(), c.dim(), counter[0]++, scale, "lm_head");
        return LlamaModel.of(b, c, new LlamaModel.BackendWeights(embedding, attnNorm, wqkv, wo, ffnNorm, w13, w2,
                finalNorm, lmHead));
    }

    /** Bytes of the model's weights on the device (BF16 matrices, f32 norms). */
    public static long weightBytes(LlamaConfig c) {
        long perLayer = ((long) (c.qDim() + 2 * c.kvDim()) * c.dim() + (long) c.dim() * c.qDim()
                + 3L * c.hiddenDim() * c.dim()) * 2 + 2L * c.dim() * 4;
        long head = c.tiedEmbeddings() ? 0 : (long) c.vocabSize() * c.dim() * 2;
        return (long) c.vocabSize() * c.dim() * 2 + c.nLayers() * perLayer + c.dim() * 4L + head;
    }
}
