package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code config.json}'s {@code quantization_config}, as far as the forward pass implements it: the
 * compressed-tensors "float-quantized" W8A8 layout of the FP8 Llama 3.1 releases
 * ({@code RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8-dynamic} and alike), written by llm-compressor:
 * <pre>
 * "quantization_config": {
 *   "quant_method": "compressed-tensors", "format": "float-quantized",
 *   "config_groups": {"group_0": {"targets": ["Linear"],
 *     "weights": {"num_bits": 8, "type": "float", "strategy": "channel" | "tensor",
 *                 "symmetric": true, "dynamic": false, ...},
 *     "input_activations": {"num_bits": 8, "type": "float", "strategy": "token",
 *                           "symmetric": true, "dynamic": true, ...}}},
 *   "ignore": ["lm_head"], "kv_cache_scheme": null, ...}
 * </pre>
 * Each quantized {@code nn.Linear} then stores {@code <name>.weight} as F8_E4M3 [out, in] and
 * {@code <name>.weight_scale} ([out, 1] for channel, [1] for tensor; BF16 or F32); the layers listed in
 * {@code ignore} keep their BF16 weights. Activations are quantised per token at run time (see
 * {@link Fp8}): no {@code input_scale} tensors.
 *
 * <p>Everything else is refused here, naming the key and its value: other methods ({@code fp8}
 * block-wise, {@code gptq}, {@code awq}, ...), other formats, integer or other bit widths, group or
 * block strategies, static activation scales ({@code input_activations.dynamic: false}, the
 * {@code input_scale} tensors of the "-FP8" releases), weight-only FP8, quantized KV caches and
 * output activations.
 *
 * @param weightStrategies the weights' strategies of the config groups ("channel" or "tensor")
 * @param ignore           the layer names (or "re:" patterns) left unquantized, as written
 */
public record QuantizationConfig(List<String> weightStrategies, List<String> ignore) implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String KEY = "quantization_config";

    public QuantizationConfig {
        weightStrategies = List.copyOf(weightStrategies);
        ignore = List.copyOf(ignore);
    }

    /** The config's quantization, null when it has no {@code quantization_config}; unsupported ones throw. */
    public static QuantizationConfig parse(JsonNode root, String source) {
        JsonNode q = root.get(KEY);
        if (q == null || q.isNull()) return null;
        String where = source + ": " + KEY;
        if (!q.isObject()) throw new ModelFormatException(where + "=" + q + " is not an object");
        String method = q.path("quant_method").asText("");
        if (!method.equals("compressed-tensors")) {
            throw new ModelFormatException(where + ".quant_method=" + (method.isEmpty() ? "(missing)" : method)
                    + " is not supported (supported: compressed-tensors with format float-quantized, the FP8 W8A8"
                    + " layout of the FP8-dynamic Llama 3.1 releases; or load the BF16 checkpoint with weights_dtype: fp8)");
        }
        expectText(q, "format", "float-quantized", where);
        for (String key : new String[]{"kv_cache_scheme", "sparsity_config"}) {
            if (q.hasNonNull(key) && !(q.get(key).isObject() && q.get(key).isEmpty())) {
                throw new ModelFormatException(where + "." + key + "=" + q.get(key) + " is not supported (only null)");
            }
        }
        JsonNode groups = q.get("config_groups");
        if (groups == null || !groups.isObject() || groups.isEmpty()) {
            throw new ModelFormatException(where + ".config_groups is missing or empty");
        }
        List<String> strategies = new ArrayList<>();
        for (Map.Entry<String, JsonNode> g : groups.properties()) {
            strategies.add(group(g.getValue(), where + ".config_groups." + g.getKey()));
        }
        List<String> ignore = new ArrayList<>();
        for (JsonNode n : q.path("ignore")) ignore.add(n.asText());
        return new QuantizationConfig(strategies, ignore);
    }

    /** One config group: the weights' strategy. */
    private static String group(JsonNode g, String where) {
        JsonNode targets = g.path("targets");
        boolean linear = false;
        for (JsonNode t : targets) linear |= t.asText().equals("Linear");
        if (!linear) {
            throw new ModelFormatException(where + ".targets=" + targets + " is not supported (expected [\"Linear\"])");
        }
        JsonNode w = g.get("weights");
        if (w == null || !w.isObject()) throw new ModelFormatException(where + ".weights is missing");
        scheme(w, where + ".weights", false);
        String strategy = w.path("strategy").asText("");
        if (!strategy.equals("channel") && !strategy.equals("tensor")) {
            throw new ModelFormatException(where + ".weights.strategy=" + strategy
                    + " is not supported (supported: channel, tensor)");
        }
        JsonNode a = g.get("input_activations");
        if (a == null || a.isNull()) {
            throw new ModelFormatException(where + ".input_activations=null (weight-only FP8) is not supported"
                    + " (supported: FP8 activations quantised per token at run time, dynamic: true)");
        }
        scheme(a, where + ".input_activations", true);
        if (!a.path("dynamic").asBoolean(false)) {
            throw new ModelFormatException(where + ".input_activations.dynamic=false (static activation scales,"
                    + " input_scale tensors) is not supported (supported: dynamic per-token scales, as the"
                    + " FP8-dynamic releases; or load the BF16 checkpoint with weights_dtype: fp8)");
        }
        expectText(a, "strategy", "token", where + ".input_activations");
        JsonNode out = g.get("output_activations");
        if (out != null && !out.isNull()) {
            throw new ModelFormatException(where + ".output_activations=" + out + " is not supported (only null)");
        }
        return strategy;
    }

    /** 8-bit symmetric float, no groups or blocks; weights static. */
    private static void scheme(JsonNode s, String where, boolean activations) {
        if (s.path("num_bits").asInt(0) != 8) {
            throw new ModelFormatException(where + ".num_bits=" + s.path("num_bits") + " is not supported (8)");
        }
        expectText(s, "type", "float", where);
        if (!s.path("symmetric").asBoolean(true)) {
            throw new ModelFormatException(where + ".symmetric=false is not supported (symmetric FP8 only)");
        }
        for (String key : new String[]{"group_size", "block_structure"}) {
            if (s.hasNonNull(key)) throw new ModelFormatException(where + "." + key + "=" + s.get(key) + " is not supported (null)");
        }
        if (!activations && s.path("dynamic").asBoolean(false)) {
            throw new ModelFormatException(where + ".dynamic=true is not supported (weights carry stored scales)");
        }
    }

    private static void expectText(JsonNode n, String key, String expected, String where) {
        String v = n.path(key).asText("");
        if (!v.equals(expected)) {
            throw new ModelFormatException(where + "." + key + "=" + (v.isEmpty() ? "(missing)" : v)
                    + " is not supported (supported: " + expected + ")");
        }
    }
}
