package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The model hyper-parameters of a Hugging Face {@code config.json}: Llama 3.x ({@code LlamaForCausalLM})
 * and the families that are Llama's layer plus small additions, Qwen2/2.5 ({@code Qwen2ForCausalLM}:
 * q/k/v biases) and Qwen3 ({@code Qwen3ForCausalLM}: per-head RMSNorm of q and k, explicit head_dim).
 * {@link ConfigJson} reads the file (both the transformers 4 and 5 layouts); the compact
 * constructor derives {@code kvMul} and rejects bad values, naming the key.
 *
 * @param dim            hidden_size
 * @param nLayers        num_hidden_layers
 * @param nHeads         num_attention_heads (query heads, H)
 * @param nKvHeads       num_key_value_heads (G); query head h uses KV head h / kvMul
 * @param headDim        head_dim (default hidden_size / num_attention_heads; Qwen3: 128, D)
 * @param hiddenDim      intermediate_size (SwiGLU width)
 * @param vocabSize      vocab_size
 * @param rmsNormEps     rms_norm_eps
 * @param ropeTheta      rope_theta (top level, or inside rope_parameters)
 * @param ropeScaling    rope_scaling (or rope_parameters) of type llama3, null for plain RoPE
 * @param tiedEmbeddings tie_word_embeddings: the LM head is the embedding table
 * @param torchDtype     torch_dtype (transformers 5: dtype) as written ("bfloat16", "float16", "float32"), may be null
 * @param bosTokenId     bos_token_id, -1 when absent
 * @param eosTokenIds    eos_token_id (an int or a list) of config.json and generation_config.json, empty when absent
 * @param maxPositions   max_position_embeddings
 * @param source         the file this came from, for error messages
 * @param architecture   what the layer adds to Llama's (biases, q/k norms)
 */
public record LlamaConfig(int dim, int nLayers, int nHeads, int nKvHeads, int headDim, int hiddenDim,
                          int vocabSize, float rmsNormEps, float ropeTheta, RopeScaling ropeScaling,
                          boolean tiedEmbeddings, String torchDtype, int bosTokenId, int[] eosTokenIds,
                          int maxPositions, String source, Architecture architecture) implements Serializable {
    private static final long serialVersionUID = 2L;

    /** rope_scaling of rope_type "llama3" (Llama 3.1+). */
    public record RopeScaling(String ropeType, float factor, float lowFreqFactor, float highFreqFactor,
                              int originalMaxPositions) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * What an architecture adds to the Llama decoder layer. Everything else (RMSNorm, RoPE in
     * rotate_half form, GQA, SwiGLU, tied or untied head) is shared.
     *
     * @param name    architectures[0] as config.json spells it
     * @param qkvBias q_proj, k_proj and v_proj have biases (Qwen2 always; Llama and Qwen3 with attention_bias)
     * @param oBias   o_proj has a bias (Llama and Qwen3 with attention_bias; never Qwen2)
     * @param qkNorm  queries and keys get a per-head RMSNorm (q_norm, k_norm [D]) before RoPE (Qwen3)
     */
    public record Architecture(String name, boolean qkvBias, boolean oBias, boolean qkNorm) implements Serializable {
        private static final long serialVersionUID = 1L;
        public static final Architecture LLAMA = new Architecture("LlamaForCausalLM", false, false, false);
        public static final Architecture QWEN2 = new Architecture("Qwen2ForCausalLM", true, false, false);
        public static final Architecture QWEN3 = new Architecture("Qwen3ForCausalLM", false, false, true);

        public Architecture {
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("architecture name is empty");
        }
    }

    /** A plain Llama config (no biases, no q/k norms): the original constructor. */
    public LlamaConfig(int dim, int nLayers, int nHeads, int nKvHeads, int headDim, int hiddenDim, int vocabSize,
                       float rmsNormEps, float ropeTheta, RopeScaling ropeScaling, boolean tiedEmbeddings,
                       String torchDtype, int bosTokenId, int[] eosTokenIds, int maxPositions, String source) {
        this(dim, nLayers, nHeads, nKvHeads, headDim, hiddenDim, vocabSize, rmsNormEps, ropeTheta, ropeScaling,
                tiedEmbeddings, torchDtype, bosTokenId, eosTokenIds, maxPositions, source, Architecture.LLAMA);
    }

    public LlamaConfig {
        positive(dim, "hidden_size", source);
        positive(nLayers, "num_hidden_layers", source);
        positive(nHeads, "num_attention_heads", source);
        positive(nKvHeads, "num_key_value_heads", source);
        positive(headDim, "head_dim", source);
        positive(hiddenDim, "intermediate_size", source);
        positive(vocabSize, "vocab_size", source);
        positive(maxPositions, "max_position_embeddings", source);
        if (nHeads % nKvHeads != 0) {
            throw new ModelFormatException(source + ": num_attention_heads=" + nHeads
                    + " is not a multiple of num_key_value_heads=" + nKvHeads);
        }
        if (headDim % 2 != 0) {
            throw new ModelFormatException(source + ": head_dim=" + headDim + " must be even for RoPE");
        }
        if (!(rmsNormEps > 0)) throw new ModelFormatException(source + ": rms_norm_eps=" + rmsNormEps + " must be > 0");
        if (!(ropeTheta > 0)) throw new ModelFormatException(source + ": rope_theta=" + ropeTheta + " must be > 0");
        eosTokenIds = eosTokenIds == null ? new int[0] : eosTokenIds.clone();
        architecture = architecture == null ? Architecture.LLAMA : architecture;
    }

    /** The same config with another architecture (tests; random checkpoints of another family). */
    public LlamaConfig withArchitecture(Architecture a) {
        return new LlamaConfig(dim, nLayers, nHeads, nKvHeads, headDim, hiddenDim, vocabSize, rmsNormEps, ropeTheta,
                ropeScaling, tiedEmbeddings, torchDtype, bosTokenId, eosTokenIds, maxPositions, source, a);
    }

    /** Query heads per KV head (H / G). */
    public int kvMul() {
        return nHeads / nKvHeads;
    }

    /** Width of one token's queries, H * D. */
    public int qDim() {
        return nHeads * headDim;
    }

    /** Width of one token's keys (and values), G * D. */
    public int kvDim() {
        return nKvHeads * headDim;
    }

    public boolean isEos(int token) {
        for (int e : eosTokenIds) if (e == token) return true;
        return false;
    }

    /** Reads {@code dir/config.json}, and the end-of-sequence ids of {@code dir/generation_config.json} when present. */
    public static LlamaConfig load(Path dir) {
        return ConfigJson.load(dir);
    }

    /** Parses a config.json tree; {@code source} names it in errors. */
    public static LlamaConfig parse(JsonNode root, String source) {
        return ConfigJson.parse(root, source);
    }

    private static void positive(int v, String key, String source) {
        if (v <= 0) throw new ModelFormatException(source + ": " + key + "=" + v + " must be > 0");
    }

    @Override
    public String toString() {
        return "LlamaConfig[" + architecture.name() + ", dim=" + dim + ", layers=" + nLayers + ", heads=" + nHeads + ", kvHeads=" + nKvHeads
                + ", headDim=" + headDim + ", hidden=" + hiddenDim + ", vocab=" + vocabSize
                + ", ropeTheta=" + ropeTheta + ", ropeScaling=" + ropeScaling + ", tied=" + tiedEmbeddings
                + ", eos=" + Arrays.toString(eosTokenIds) + (architecture.qkvBias() ? ", qkvBias" : "")
                + (architecture.oBias() ? ", oBias" : "") + (architecture.qkNorm() ? ", qkNorm" : "") + "]";
    }
}
