package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.specprefill.udf.model.SafeTensorsTest.assertMentions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * config.json of the Qwen families and both transformers layouts (4: top-level rope_theta and
 * rope_scaling; 5: rope_parameters), the eos of generation_config.json, and the rejections, each
 * naming the file and the key. The JSON below follows the released Qwen2.5 and Qwen3 files.
 */
class ConfigJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
    }

    /** Qwen2.5-7B-Instruct's config.json (transformers 4.43), shapes kept. */
    static final String QWEN25 = "{'architectures': ['Qwen2ForCausalLM'], 'attention_dropout': 0.0, 'bos_token_id': 151643,"
            + " 'eos_token_id': 151645, 'hidden_act': 'silu', 'hidden_size': 3584, 'initializer_range': 0.02,"
            + " 'intermediate_size': 18944, 'max_position_embeddings': 32768, 'max_window_layers': 28,"
            + " 'model_type': 'qwen2', 'num_attention_heads': 28, 'num_hidden_layers': 28, 'num_key_value_heads': 4,"
            + " 'rms_norm_eps': 1e-06, 'rope_theta': 1000000.0, 'sliding_window': 131072, 'tie_word_embeddings': false,"
            + " 'torch_dtype': 'bfloat16', 'transformers_version': '4.43.1', 'use_cache': true,"
            + " 'use_sliding_window': false, 'vocab_size': 152064}";

    /** Qwen3-8B's config.json (transformers 4.51), shapes kept. */
    static final String QWEN3 = "{'architectures': ['Qwen3ForCausalLM'], 'attention_bias': false, 'attention_dropout': 0.0,"
            + " 'bos_token_id': 151643, 'eos_token_id': 151645, 'head_dim': 128, 'hidden_act': 'silu',"
            + " 'hidden_size': 4096, 'initializer_range': 0.02, 'intermediate_size': 12288,"
            + " 'max_position_embeddings': 40960, 'max_window_layers': 36, 'model_type': 'qwen3',"
            + " 'num_attention_heads': 32, 'num_hidden_layers': 36, 'num_key_value_heads': 8, 'rms_norm_eps': 1e-06,"
            + " 'rope_scaling': null, 'rope_theta': 1000000, 'sliding_window': null, 'tie_word_embeddings': false,"
            + " 'torch_dtype': 'bfloat16', 'transformers_version': '4.51.0', 'use_cache': true,"
            + " 'use_sliding_window': false, 'vocab_size': 151936}";

    /** Qwen3-0.6B as transformers 5 writes it: rope_parameters, dtype, layer_types. */
    static final String QWEN3_V5 = "{'architectures': ['Qwen3ForCausalLM'], 'attention_bias': false, 'bos_token_id': 151643,"
            + " 'dtype': 'bfloat16', 'eos_token_id': 151645, 'head_dim': 128, 'hidden_act': 'silu', 'hidden_size': 1024,"
            + " 'intermediate_size': 3072, 'layer_types': ['full_attention', 'full_attention', 'full_attention'],"
            + " 'max_position_embeddings': 40960, 'max_window_layers': 28, 'model_type': 'qwen3',"
            + " 'num_attention_heads': 16, 'num_hidden_layers': 3, 'num_key_value_heads': 8, 'rms_norm_eps': 1e-06,"
            + " 'rope_parameters': {'rope_theta': 1000000.0, 'rope_type': 'default'}, 'sliding_window': null,"
            + " 'tie_word_embeddings': true, 'use_sliding_window': false, 'vocab_size': 151936}";

    @Test
    void qwen25IsQwen2WithQkvBiasesAndHeadDimFromHidden() throws Exception {
        LlamaConfig c = LlamaConfig.parse(json(QWEN25), "c");
        assertEquals(LlamaConfig.Architecture.QWEN2, c.architecture());
        assertTrue(c.architecture().qkvBias());
        assertFalse(c.architecture().oBias() || c.architecture().qkNorm());
        assertEquals(128, c.headDim());
        assertEquals(7, c.kvMul());
        assertEquals(1e6f, c.ropeTheta());
        assertNull(c.ropeScaling());
        assertArrayEquals(new int[]{151645}, c.eosTokenIds());
    }

    @Test
    void qwen3HasQkNormsAndItsOwnHeadDim() throws Exception {
        LlamaConfig c = LlamaConfig.parse(json(QWEN3), "c");
        assertEquals(new LlamaConfig.Architecture("Qwen3ForCausalLM", false, false, true), c.architecture());
        assertEquals(128, c.headDim());
        assertEquals(32 * 128, c.qDim());
        ObjectNode noHeadDim = json(QWEN3);
        noHeadDim.put("hidden_size", 2048).remove("head_dim");
        assertEquals(128, LlamaConfig.parse(noHeadDim, "c").headDim(), "Qwen3Config's default, not hidden / heads");
        ObjectNode biased = json(QWEN3).put("attention_bias", true);
        LlamaConfig.Architecture a = LlamaConfig.parse(biased, "c").architecture();
        assertTrue(a.qkvBias() && a.oBias() && a.qkNorm());
        ObjectNode llamaBiased = TestCheckpoints.config(64, 2, 4, 2, 16, 160, 100, true).put("attention_bias", true);
        a = LlamaConfig.parse(llamaBiased, "c").architecture();
        assertTrue(a.qkvBias() && a.oBias() && !a.qkNorm());
    }

    @Test
    void transformers5LayoutReadsRopeParametersAndDtype() throws Exception {
        LlamaConfig c = LlamaConfig.parse(json(QWEN3_V5), "c");
        assertEquals(1e6f, c.ropeTheta());
        assertNull(c.ropeScaling());
        assertEquals("bfloat16", c.torchDtype());
        assertTrue(c.tiedEmbeddings());
        ObjectNode llama = TestCheckpoints.config(64, 2, 4, 2, 16, 160, 100, true);
        llama.remove("rope_theta");
        llama.remove("rope_scaling");
        llama.putObject("rope_parameters").put("rope_type", "llama3").put("rope_theta", 500000.0).put("factor", 32.0)
                .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
        LlamaConfig l = LlamaConfig.parse(llama, "c");
        assertEquals(500000f, l.ropeTheta());
        assertEquals(new LlamaConfig.RopeScaling("llama3", 32f, 1f, 4f, 8192), l.ropeScaling());
        // both layouts at once must agree
        llama.put("rope_theta", 500000.0);
        llama.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 32.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
        assertEquals(l.ropeScaling(), LlamaConfig.parse(llama, "c").ropeScaling());
        llama.put("rope_theta", 10000.0);
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(llama, "cfg.json")),
                "cfg.json", "rope_theta=10000.0", "rope_parameters.rope_theta=500000.0");
    }

    @Test
    void eosOfGenerationConfigJoinsConfigs(@TempDir Path tmp) throws Exception {
        ObjectNode c = json(QWEN25);
        TestCheckpoints.writeConfig(tmp, c);
        assertArrayEquals(new int[]{151645}, LlamaConfig.load(tmp).eosTokenIds());
        Files.writeString(tmp.resolve("generation_config.json"),
                "{\"bos_token_id\": 151643, \"do_sample\": true, \"eos_token_id\": [151645, 151643], \"top_p\": 0.8}");
        LlamaConfig withGen = LlamaConfig.load(tmp);
        assertArrayEquals(new int[]{151645, 151643}, withGen.eosTokenIds());
        assertTrue(withGen.isEos(151643));
        Files.writeString(tmp.resolve("generation_config.json"), "{\"eos_token_id\": \"x\"}");
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.load(tmp)),
                tmp.resolve("generation_config.json").toString(), "eos_token_id");
    }

    @Test
    void whatIsNotImplementedIsRefusedNamingTheKey() throws Exception {
        ObjectNode moe = json(QWEN3).put("model_type", "qwen3_moe").put("num_experts", 128);
        moe.putArray("architectures").add("Qwen3MoeForCausalLM");
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(moe, "cfg.json")),
                "cfg.json", "architectures=[Qwen3MoeForCausalLM]", "mixture-of-experts", "Qwen3ForCausalLM");

        ObjectNode sliding = json(QWEN25).put("use_sliding_window", true).put("max_window_layers", 21);
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(sliding, "cfg.json")),
                "cfg.json", "use_sliding_window=true", "max_window_layers=21");
        ObjectNode allFull = json(QWEN25).put("use_sliding_window", true); // max_window_layers 28 = every layer full
        assertEquals(28, LlamaConfig.parse(allFull, "c").nLayers());

        ObjectNode layerTypes = json(QWEN3_V5);
        layerTypes.putArray("layer_types").add("full_attention").add("sliding_attention").add("full_attention");
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(layerTypes, "cfg.json")),
                "cfg.json", "layer_types[1]=sliding_attention");

        ObjectNode mlpBias = json(QWEN3).put("mlp_bias", true);
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(mlpBias, "cfg.json")),
                "cfg.json", "mlp_bias=true");

        ObjectNode perType = json(QWEN3_V5);
        perType.putObject("rope_parameters").putObject("full_attention").put("rope_theta", 1e6);
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(perType, "cfg.json")),
                "cfg.json", "rope_parameters per layer type (full_attention)");

        ObjectNode partial = json(QWEN3_V5);
        ((ObjectNode) partial.get("rope_parameters")).put("partial_rotary_factor", 0.5);
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(partial, "cfg.json")),
                "cfg.json", "rope_parameters.partial_rotary_factor=0.5");

        ObjectNode yarn = json(QWEN25);
        yarn.putObject("rope_scaling").put("type", "yarn").put("factor", 4.0).put("original_max_position_embeddings", 32768);
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(yarn, "cfg.json")),
                "cfg.json", "rope_scaling.rope_type=yarn");

        ObjectNode mismatch = json(QWEN25).put("model_type", "llama");
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(mismatch, "cfg.json")),
                "cfg.json", "model_type=llama", "Qwen2ForCausalLM", "model_type=qwen2");

        ObjectNode awq = json(QWEN25);
        awq.putObject("quantization_config").put("quant_method", "awq").put("bits", 4);
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(awq, "cfg.json")),
                "cfg.json", "quantization_config", "awq");
    }

    @Test
    void architectureFollowsModelTypeWhenArchitecturesIsAbsent() throws Exception {
        ObjectNode c = json(QWEN3);
        c.remove("architectures");
        assertTrue(LlamaConfig.parse(c, "c").architecture().qkNorm());
        ObjectNode unknown = json(QWEN3).put("model_type", "gemma3");
        unknown.remove("architectures");
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(unknown, "cfg.json")),
                "cfg.json", "model_type=gemma3");
    }

    @Test
    void qwenCheckpointsNeedTheirBiasesAndNorms(@TempDir Path tmp) throws Exception {
        for (boolean qwen3 : new boolean[]{false, true}) {
            ObjectNode cfgJson = TestCheckpoints.qwenConfig(qwen3, 32, 2, 4, 2, qwen3 ? 16 : 8, 48, 40, !qwen3);
            LlamaConfig cfg = LlamaConfig.parse(cfgJson, "c");
            var tensors = TestCheckpoints.randomWeights(cfg, DType.BF16, 3);
            Path dir = TestCheckpoints.writeModel(tmp.resolve(qwen3 ? "q3" : "q2"), cfgJson, tensors);
            Model m = Model.load(dir);
            LlamaWeights w = m.weights();
            if (qwen3) {
                assertArrayEquals(new long[]{16}, w.kNorm[1].shape());
                assertNull(w.bq);
                assertArrayEquals(new long[]{4 * 16, 32}, w.wq[0].shape());
            } else {
                assertArrayEquals(new long[]{2 * 8}, w.bv[1].shape());
                assertNull(w.qNorm);
                assertNull(w.bo);
            }
            String missing = qwen3 ? "model.layers.1.self_attn.q_norm.weight" : "model.layers.0.self_attn.k_proj.bias";
            tensors.remove(missing);
            SafeTensorsWriter.write(dir.resolve(Checkpoint.SINGLE_FILE), tensors);
            assertMentions(assertThrows(ModelFormatException.class, () -> Model.load(dir)), "'" + missing + "'", "is missing");
        }
    }
}
