package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code config.json} into a {@link LlamaConfig}, as transformers 4 and 5 write
 * it: RoPE as top-level {@code rope_theta} + {@code rope_scaling} (4), or one {@code rope_parameters}
 * object with {@code rope_theta} inside (5); {@code torch_dtype} (4) or {@code dtype} (5);
 * {@code eos_token_id} an int or a list, joined with {@code generation_config.json}'s.
 *
 * <p>Whatever the forward pass does not implement is refused here, naming the file and the key,
 * rather than run with a silently different result: other architectures (mixture of experts
 * included), sliding-window layers, MLP biases, RoPE types other than default and llama3, partial
 * rotary embeddings, per-layer-type RoPE, quantized checkpoints other than compressed-tensors FP8
 * ({@link QuantizationConfig}).
 */
final class ConfigJson {
    /** Supported architectures and the model_type transformers writes for each. */
    private static final Map<String, String> MODEL_TYPES = Map.of(
            LlamaConfig.Architecture.LLAMA.name(), "llama",
            LlamaConfig.Architecture.QWEN2.name(), "qwen2",
            LlamaConfig.Architecture.QWEN3.name(), "qwen3");
    static final List<String> SUPPORTED = List.of(LlamaConfig.Architecture.LLAMA.name(),
            LlamaConfig.Architecture.QWEN2.name(), LlamaConfig.Architecture.QWEN3.name());
    /** HF's default head_dim of Qwen3Config when config.json omits it (every other family: hidden / heads). */
    private static final int QWEN3_DEFAULT_HEAD_DIM = 128;

    private ConfigJson() {
    }

    static LlamaConfig load(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(dir + ": no config.json (expected a Hugging Face model directory)");
        }
        LlamaConfig c = parse(readTree(file), file.toString());
        Path gen = dir.resolve("generation_config.json");
        if (!Files.isRegularFile(gen)) return c;
        int[] genEos = ids(readTree(gen).get("eos_token_id"), "eos_token_id", gen.toString());
        int[] eos = union(c.eosTokenIds(), genEos);
        return new LlamaConfig(c.dim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.headDim(), c.hiddenDim(),
                c.vocabSize(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.tiedEmbeddings(), c.torchDtype(),
                c.bosTokenId(), eos, c.maxPositions(), c.source(), c.architecture());
    }

    /** The quantization_config of {@code dir/config.json}, null when it has none. */
    static QuantizationConfig quantization(Path dir) {
        Path file = dir.resolve("config.json");
        return QuantizationConfig.parse(readTree(file), file.toString());
    }

    private static JsonNode readTree(Path file) {
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            if (root == null || !root.isObject()) throw new ModelFormatException(file + ": not a JSON object");
            return root;
        } catch (IOException e) {
            throw new ModelFormatException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    static LlamaConfig parse(JsonNode root, String source) {
        LlamaConfig.Architecture arch = architecture(root, source);
        String act = root.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new ModelFormatException(source + ": hidden_act=" + act + " is not supported (supported: silu)");
        }
        if (root.path("mlp_bias").asBoolean(false)) {
            throw new ModelFormatException(source + ": mlp_bias=true is not supported (gate/up/down projections"
                    + " without biases, as in every supported architecture)");
        }
        QuantizationConfig.parse(root, source); // refuses what the FP8 path does not implement; ModelLoader uses it
        int dim = requiredInt(root, "hidden_size", source);
        int nLayers = requiredInt(root, "num_hidden_layers", source);
        int nHeads = requiredInt(root, "num_attention_heads", source);
        int nKv = root.hasNonNull("num_key_value_heads") ? requiredInt(root, "num_key_value_heads", source) : nHeads;
        int headDim = root.hasNonNull("head_dim") ? requiredInt(root, "head_dim", source)
                : arch.qkNorm() ? QWEN3_DEFAULT_HEAD_DIM : (nHeads > 0 ? dim / nHeads : 0);
        checkFullAttention(root, nLayers, source);
        Rope rope = rope(root, source);
        return new LlamaConfig(dim, nLayers, nHeads, nKv, headDim,
                requiredInt(root, "intermediate_size", source), requiredInt(root, "vocab_size", source),
                (float) root.path("rms_norm_eps").asDouble(1e-6), rope.theta, rope.scaling,
                root.path("tie_word_embeddings").asBoolean(false),
                root.hasNonNull("torch_dtype") ? root.get("torch_dtype").asText() : root.path("dtype").asText(null),
                root.hasNonNull("bos_token_id") ? requiredInt(root, "bos_token_id", source) : -1,
                ids(root.get("eos_token_id"), "eos_token_id", source),
                root.path("max_position_embeddings").asInt(131072), source, arch);
    }

    /** architectures[0] (or model_type when architectures is absent) as one of the supported ones, with its options. */
    private static LlamaConfig.Architecture architecture(JsonNode root, String source) {
        String modelType = root.hasNonNull("model_type") ? root.get("model_type").asText() : null;
        String name = root.path("architectures").path(0).asText(null);
        if (name == null) {
            name = modelType == null ? "LlamaForCausalLM" : MODEL_TYPES.entrySet().stream()
                    .filter(e -> e.getValue().equals(modelType)).map(Map.Entry::getKey).findFirst()
                    .orElseThrow(() -> new ModelFormatException(source + ": model_type=" + modelType
                            + " is not supported (supported: " + String.join(", ", MODEL_TYPES.values()) + ")"));
        }
        if (!SUPPORTED.contains(name)) {
            boolean moe = name.contains("Moe") || name.contains("Mixtral") || root.path("num_experts").asInt(0) > 0
                    || root.path("num_local_experts").asInt(0) > 0;
            throw new ModelFormatException(source + ": architectures=[" + name + "] is not supported"
                    + (moe ? " (mixture-of-experts layers are not implemented)" : "")
                    + " (supported: " + String.join(", ", SUPPORTED) + ")");
        }
        String expectedType = MODEL_TYPES.get(name);
        if (modelType != null && !modelType.equals(expectedType)) {
            throw new ModelFormatException(source + ": model_type=" + modelType + " does not match architectures=["
                    + name + "] (expected model_type=" + expectedType + ")");
        }
        boolean attentionBias = root.path("attention_bias").asBoolean(false);
        switch (name) {
            case "Qwen2ForCausalLM":
                return LlamaConfig.Architecture.QWEN2; // q/k/v biases always, o_proj never (attention_bias unused)
            case "Qwen3ForCausalLM":
                return new LlamaConfig.Architecture(name, attentionBias, attentionBias, true);
            default:
                return new LlamaConfig.Architecture(name, attentionBias, attentionBias, false);
        }
    }

    /**
     * Every layer must be full (causal) attention. transformers 5 lists the layers in
     * {@code layer_types}; otherwise Qwen's rule applies: with {@code use_sliding_window} and a
     * {@code sliding_window}, layers from {@code max_window_layers} on are sliding.
     */
    private static void checkFullAttention(JsonNode root, int nLayers, String source) {
        JsonNode types = root.get("layer_types");
        if (types != null && types.isArray()) {
            for (int i = 0; i < types.size(); i++) {
                if (!types.get(i).asText().equals("full_attention")) {
                    throw new ModelFormatException(source + ": layer_types[" + i + "]=" + types.get(i).asText()
                            + " is not supported (only full_attention layers are implemented)");
                }
            }
            return;
        }
        if (root.path("use_sliding_window").asBoolean(false) && root.hasNonNull("sliding_window")
                && root.path("max_window_layers").asInt(28) < nLayers) {
            throw new ModelFormatException(source + ": use_sliding_window=true (sliding_window="
                    + root.get("sliding_window").asText() + " from layer max_window_layers="
                    + root.path("max_window_layers").asInt(28) + " of " + nLayers
                    + ") is not supported (only full attention is implemented)");
        }
    }

    /** rope_theta and the llama3 scaling, or null. */
    private record Rope(float theta, LlamaConfig.RopeScaling scaling) {
    }

    private static Rope rope(JsonNode root, String source) {
        checkFullRotary(root, "partial_rotary_factor", source);
        JsonNode params = root.get("rope_parameters");
        if (params == null || params.isNull()) {
            float theta = (float) root.path("rope_theta").asDouble(10000.0);
            return new Rope(theta, scaling(root.get("rope_scaling"), "rope_scaling", source));
        }
        if (!params.isObject()) throw new ModelFormatException(source + ": rope_parameters=" + params + " is not an object");
        List<String> perLayerType = new ArrayList<>();
        params.properties().forEach(e -> {
            if (e.getValue().isObject()) perLayerType.add(e.getKey());
        });
        if (!perLayerType.isEmpty()) {
            throw new ModelFormatException(source + ": rope_parameters per layer type (" + String.join(", ", perLayerType)
                    + ") is not supported (one RoPE for every layer)");
        }
        checkFullRotary(params, "rope_parameters.partial_rotary_factor", source);
        double theta = params.hasNonNull("rope_theta") ? params.get("rope_theta").asDouble()
                : root.path("rope_theta").asDouble(10000.0);
        if (root.hasNonNull("rope_theta") && root.get("rope_theta").asDouble() != theta) {
            throw new ModelFormatException(source + ": rope_theta=" + root.get("rope_theta").asDouble()
                    + " disagrees with rope_parameters.rope_theta=" + theta);
        }
        LlamaConfig.RopeScaling scaling = scaling(params, "rope_parameters", source);
        LlamaConfig.RopeScaling legacy = scaling(root.get("rope_scaling"), "rope_scaling", source);
        if (legacy != null && !legacy.equals(scaling)) {
            throw new ModelFormatException(source + ": rope_scaling=" + root.get("rope_scaling")
                    + " disagrees with rope_parameters=" + params);
        }
        return new Rope((float) theta, scaling);
    }

    private static void checkFullRotary(JsonNode n, String key, String source) {
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        if (n.hasNonNull(leaf) && n.get(leaf).asDouble() != 1.0) {
            throw new ModelFormatException(source + ": " + key + "=" + n.get(leaf).asDouble()
                    + " is not supported (RoPE over the whole head)");
        }
    }

    /** A rope_scaling / rope_parameters object: null for rope_type default (or no object), llama3, else an error. */
    private static LlamaConfig.RopeScaling scaling(JsonNode n, String key, String source) {
        if (n == null || n.isNull()) return null;
        String type = n.hasNonNull("rope_type") ? n.get("rope_type").asText() : n.path("type").asText("default");
        if (type.equals("default")) return null;
        if (!type.equals("llama3")) {
            throw new ModelFormatException(source + ": " + key + ".rope_type=" + type
                    + " is not supported (supported: llama3, default or null)");
        }
        for (String k : new String[]{"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
            if (!n.hasNonNull(k)) throw new ModelFormatException(source + ": " + key + "." + k + " is missing (rope_type llama3)");
        }
        return new LlamaConfig.RopeScaling(type, (float) n.get("factor").asDouble(), (float) n.get("low_freq_factor").asDouble(),
                (float) n.get("high_freq_factor").asDouble(), n.get("original_max_position_embeddings").asInt());
    }

    static int[] ids(JsonNode n, String key, String source) {
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

    /** a, then the ids of b not in a. */
    private static int[] union(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        int n = a.length;
        for (int id : b) {
            boolean seen = false;
            for (int i = 0; i < n; i++) seen |= out[i] == id;
            if (!seen) out[n++] = id;
        }
        return Arrays.copyOf(out, n);
    }

    private static int requiredInt(JsonNode root, String key, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) throw new ModelFormatException(source + ": required key '" + key + "' is missing");
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new ModelFormatException(source + ": " + key + "=" + n + " is not an integer");
        }
        return n.asInt();
    }
}
