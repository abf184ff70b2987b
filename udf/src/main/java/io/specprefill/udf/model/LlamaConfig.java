package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The model hyper-parameters of a Hugging Face {@code config.json} ({@code LlamaForCausalLM}).
 * The compact constructor derives {@code kvMul} and rejects bad values, naming the key.
 *
 * @param dim            hidden_size
 * @param nLayers        num_hidden_layers
 * @param nHeads         num_attention_heads (query heads, H)
 * @param nKvHeads       num_key_value_heads (G); query head h uses KV head h / kvMul
 * @param headDim        head_dim (default hidden_size / num_attention_heads, D)
 * @param hiddenDim      intermediate_size (SwiGLU width)
 * @param vocabSize      vocab_size
 * @param rmsNormEps     rms_norm_eps
 * @param ropeTheta      rope_theta
 * @param ropeScaling    rope_scaling, null when absent
 * @param tiedEmbeddings tie_word_embeddings: the LM head is the embedding table
 * @param torchDtype     torch_dtype as written ("bfloat16", "float16", "float32"), may be null
 * @param bosTokenId     bos_token_id, -1 when absent
 * @param eosTokenIds    eos_token_id (an int or a list), empty when absent
 * @param maxPositions   max_position_embeddings
 * @param source         the file this came from, for error messages
 */
public record LlamaConfig(int dim, int nLayers, int nHeads, int nKvHeads, int headDim, int hiddenDim,
                          int vocabSize, float rmsNormEps, float ropeTheta, RopeScaling ropeScaling,
                          boolean tiedEmbeddings, String torchDtype, int bosTokenId, int[] eosTokenIds,
                          int maxPositions, String source) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** rope_scaling of rope_type "llama3" (Llama 3.1+). */
    public record RopeScaling(String ropeType, float factor, float lowFreqFactor, float highFreqFactor,
                              int originalMaxPositions) implements Serializable {
        private static final long serialVersionUID = 1L;
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

    /** Reads {@code dir/config.json}. */
    public static LlamaConfig load(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(dir + ": no config.json (expected a Hugging Face model directory)");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelFormatException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        return parse(root, file.toString());
    }

    /** Parses a config.json tree; {@code source} names it in errors. */
    public static LlamaConfig parse(JsonNode root, String source) {
        String arch = root.path("architectures").path(0).asText(null);
        if (arch != null && !arch.equals("LlamaForCausalLM")) {
            throw new ModelFormatException(source + ": architectures=[" + arch
                    + "] is not supported (supported: LlamaForCausalLM)");
        }
        String modelType = root.path("model_type").asText("llama");
        if (!modelType.equals("llama")) {
            throw new ModelFormatException(source + ": model_type=" + modelType + " is not supported (supported: llama)");
        }
        String act = root.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new ModelFormatException(source + ": hidden_act=" + act + " is not supported (supported: silu)");
        }
        if (root.path("attention_bias").asBoolean(false) || root.path("mlp_bias").asBoolean(false)) {
            throw new ModelFormatException(source + ": attention_bias/mlp_bias=true is not supported for LlamaForCausalLM");
        }
        int dim = requiredInt(root, "hidden_size", source);
        int nHeads = requiredInt(root, "num_attention_heads", source);
        int nKv = root.has("num_key_value_heads") && !root.get("num_key_value_heads").isNull()
                ? requiredInt(root, "num_key_value_heads", source) : nHeads;
        int headDim = root.hasNonNull("head_dim") ? requiredInt(root, "head_dim", source)
                : (nHeads > 0 ? dim / nHeads : 0);
        RopeScaling scaling = parseRopeScaling(root.get("rope_scaling"), source);
        int[] eos = parseIds(root.get("eos_token_id"), "eos_token_id", source);
        return new LlamaConfig(dim, requiredInt(root, "num_hidden_layers", source), nHeads, nKv, headDim,
                requiredInt(root, "intermediate_size", source), requiredInt(root, "vocab_size", source),
                (float) root.path("rms_norm_eps").asDouble(1e-6), (float) root.path("rope_theta").asDouble(10000.0),
                scaling, root.path("tie_word_embeddings").asBoolean(false),
                root.hasNonNull("torch_dtype") ? root.get("torch_dtype").asText()
                        : root.path("dtype").asText(null),
                root.hasNonNull("bos_token_id") ? requiredInt(root, "bos_token_id", source) : -1,
                eos, root.path("max_position_embeddings").asInt(131072), source);
    }

    private static RopeScaling parseRopeScaling(JsonNode n, String source) {
        if (n == null || n.isNull()) return null;
        String type = n.hasNonNull("rope_type") ? n.get("rope_type").asText() : n.path("type").asText("default");
        if (type.equals("default")) return null;
        if (!type.equals("llama3")) {
            throw new ModelFormatException(source + ": rope_scaling.rope_type=" + type
                    + " is not supported (supported: llama3, default or null)");
        }
        for (String k : new String[]{"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
            if (!n.hasNonNull(k)) throw new ModelFormatException(source + ": rope_scaling." + k + " is missing (rope_type llama3)");
        }
        return new RopeScaling(type, (float) n.get("factor").asDouble(), (float) n.get("low_freq_factor").asDouble(),
                (float) n.get("high_freq_factor").asDouble(), n.get("original_max_position_embeddings").asInt());
    }

    private static int[] parseIds(JsonNode n, String key, String source) {
        if (n == null || n.isNull()) return new int[0];
        if (n.isInt()) return new int[]{n.asInt()};
        if (n.isArray()) {
            int[] ids = new int[n.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!n.get(i).isInt()) throw new ModelFormatException(source + ": " + key + "[" + i + "]=" + n.get(i) + " is not an integer");
                ids[i] = n.get(i).asInt();
            }
            return ids;
        }
        throw new ModelFormatException(source + ": " + key + "=" + n + " must be an integer or a list of integers");
    }

    private static int requiredInt(JsonNode root, String key, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) throw new ModelFormatException(source + ": required key '" + key + "' is missing");
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new ModelFormatException(source + ": " + key + "=" + n + " is not an integer");
        }
        return n.asInt();
    }

    private static void positive(int v, String key, String source) {
        if (v <= 0) throw new ModelFormatException(source + ": " + key + "=" + v + " must be > 0");
    }

    @Override
    public String toString() {
        return "LlamaConfig[dim=" + dim + ", layers=" + nLayers + ", heads=" + nHeads + ", kvHeads=" + nKvHeads
                + ", headDim=" + headDim + ", hidden=" + hiddenDim + ", vocab=" + vocabSize
                + ", ropeTheta=" + ropeTheta + ", ropeScaling=" + ropeScaling + ", tied=" + tiedEmbeddings
                + ", eos=" + Arrays.toString(eosTokenIds) + "]";
    }
}
