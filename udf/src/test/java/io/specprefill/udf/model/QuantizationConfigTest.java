package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compressed-tensors quantization_config of the FP8-dynamic Llama 3.1 releases parses; every
 * variant the forward pass does not implement is refused naming its key.
 */
class QuantizationConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** config.json's quantization_config as llm-compressor writes it for FP8_DYNAMIC (channel weights). */
    static final String FP8_DYNAMIC = "{\"config_groups\": {\"group_0\": {"
            + "\"input_activations\": {\"actorder\": null, \"block_structure\": null, \"dynamic\": true,"
            + " \"group_size\": null, \"num_bits\": 8, \"observer\": null, \"observer_kwargs\": {},"
            + " \"strategy\": \"token\", \"symmetric\": true, \"type\": \"float\"},"
            + "\"output_activations\": null, \"targets\": [\"Linear\"],"
            + "\"weights\": {\"actorder\": null, \"block_structure\": null, \"dynamic\": false, \"group_size\": null,"
            + " \"num_bits\": 8, \"observer\": \"minmax\", \"observer_kwargs\": {}, \"strategy\": \"channel\","
            + " \"symmetric\": true, \"type\": \"float\"}}},"
            + "\"format\": \"float-quantized\", \"global_compression_ratio\": 1.24, \"ignore\": [\"lm_head\"],"
            + "\"kv_cache_scheme\": null, \"quant_method\": \"compressed-tensors\", \"quantization_status\": \"compressed\"}";

    private static ObjectNode root(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode q = (ObjectNode) JSON.readTree(FP8_DYNAMIC);
        edit.accept(q);
        root.set(QuantizationConfig.KEY, q);
        return root;
    }

    private static ObjectNode group(ObjectNode q) {
        return (ObjectNode) q.get("config_groups").get("group_0");
    }

    @Test
    void fp8DynamicReleaseParses() throws Exception {
        QuantizationConfig c = QuantizationConfig.parse(root(q -> { }), "config.json");
        assertEquals(List.of("channel"), c.weightStrategies());
        assertEquals(List.of("lm_head"), c.ignore());
        QuantizationConfig t = QuantizationConfig.parse(root(q -> ((ObjectNode) group(q).get("weights")).put("strategy", "tensor")), "x");
        assertEquals(List.of("tensor"), t.weightStrategies());
        assertNull(QuantizationConfig.parse(JSON.createObjectNode(), "x"));
    }

    private static void refused(Consumer<ObjectNode> edit, String... needles) throws Exception {
        JsonNode r = root(edit);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> QuantizationConfig.parse(r, "m/config.json"));
        assertTrue(e.getMessage().startsWith("m/config.json: quantization_config"), e.getMessage());
        for (String n : needles) assertTrue(e.getMessage().contains(n), "'" + n + "' in: " + e.getMessage());
    }

    @Test
    void everythingElseIsRefusedNamingTheKey() throws Exception {
        refused(q -> q.put("quant_method", "fp8"), "quant_method=fp8", "weights_dtype: fp8");
        refused(q -> q.put("quant_method", "gptq"), "quant_method=gptq");
        refused(q -> q.put("format", "int-quantized"), "format=int-quantized");
        refused(q -> q.put("format", "naive-quantized"), "format=naive-quantized");
        refused(q -> q.putObject("kv_cache_scheme").put("num_bits", 8), "kv_cache_scheme=");
        refused(q -> ((ObjectNode) group(q).get("weights")).put("num_bits", 4), "config_groups.group_0.weights.num_bits=4");
        refused(q -> ((ObjectNode) group(q).get("weights")).put("type", "int"), "weights.type=int");
        refused(q -> ((ObjectNode) group(q).get("weights")).put("strategy", "group"), "weights.strategy=group");
        refused(q -> ((ObjectNode) group(q).get("weights")).put("group_size", 128), "weights.group_size=128");
        refused(q -> ((ObjectNode) group(q).get("weights")).putArray("block_structure").add(128).add(128), "weights.block_structure");
        refused(q -> ((ObjectNode) group(q).get("weights")).put("symmetric", false), "weights.symmetric=false");
        refused(q -> group(q).putNull("input_activations"), "input_activations=null (weight-only FP8)");
        refused(q -> ((ObjectNode) group(q).get("input_activations")).put("dynamic", false)
                .put("strategy", "tensor"), "input_activations.dynamic=false", "input_scale");
        refused(q -> ((ObjectNode) group(q).get("input_activations")).put("strategy", "tensor"),
                "input_activations.strategy=tensor");
        refused(q -> group(q).putObject("output_activations").put("num_bits", 8), "output_activations=");
        refused(q -> group(q).putArray("targets").add("Embedding"), "targets=[\"Embedding\"]");
    }

    @Test
    void configJsonAcceptsFp8AndRefusesOthersNamingTheKey() throws Exception {
        ObjectNode c = TestCheckpoints.config(32, 1, 2, 1, 16, 64, 50, true);
        c.set(QuantizationConfig.KEY, JSON.readTree(FP8_DYNAMIC));
        assertEquals(32, LlamaConfig.parse(c, "c.json").dim());
        ((ObjectNode) c.get(QuantizationConfig.KEY)).put("quant_method", "awq");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(c, "c.json"));
        assertTrue(e.getMessage().contains("quantization_config.quant_method=awq"), e.getMessage());
    }
}
