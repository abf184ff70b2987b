package io.specprefill.job.make;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.specprefill.udf.model.CheckpointWriter;
import io.specprefill.udf.model.DType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config.json text as transformers writes it: json.dumps(indent=2, sort_keys=True), Python's float repr. */
class PyJsonTest {

    @Test
    void floatsAsPythonReprWritesThem() {
        double[] values = {1e-05, 1e-06, 500000.0, 0.02, 1e16, 0.0001, 123456789.0, 1.5e-7, -2.5e-5, 1e22, 0.1, 100.0, 0.0};
        String[] python = {"1e-05", "1e-06", "500000.0", "0.02", "1e+16", "0.0001", "123456789.0", "1.5e-07", "-2.5e-05",
            "1e+22", "0.1", "100.0", "0.0"};
        for (int i = 0; i < values.length; i++) assertEquals(python[i], PyJson.repr(values[i]), "repr(" + values[i] + ")");
    }

    /** Python 3: json.dumps(config, indent=2, sort_keys=True) of Llama-3.1-8B-Instruct's config.json. */
    private static final String LLAMA_31_8B = """
            {
              "architectures": [
                "LlamaForCausalLM"
              ],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 128000,
              "eos_token_id": [
                128001,
                128008,
                128009
              ],
              "hidden_act": "silu",
              "hidden_size": 4096,
              "initializer_range": 0.02,
              "intermediate_size": 14336,
              "max_position_embeddings": 131072,
              "mlp_bias": false,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 32,
              "num_key_value_heads": 8,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": {
                "factor": 8.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 8192,
                "rope_type": "llama3"
              },
              "rope_theta": 500000.0,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.43.0.dev0",
              "use_cache": true,
              "vocab_size": 128256
            }
            """;

    @Test
    void llama31ConfigIsWhatTransformersWrites() {
        ModelMaker.Options o = new ModelMaker.Options("llama-3.1-8b", null, DType.BF16, 0, 0.02, null, Map.of(),
                CheckpointWriter.DEFAULT_MAX_SHARD_BYTES, 1, false);
        assertEquals(LLAMA_31_8B, PyJson.dumps(ModelMaker.configFor(o)));
    }

    @Test
    void nullsEmptiesAndEscapes() {
        assertEquals("{\n  \"a\": null,\n  \"b\": [],\n  \"c\": {},\n  \"d\": \"\\\"\\u00e9\\n\"\n}\n",
                PyJson.dumps(new java.util.TreeMap<>(java.util.Collections.unmodifiableMap(mapOf()))));
    }

    private static Map<String, Object> mapOf() {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("a", null);
        m.put("b", java.util.List.of());
        m.put("c", Map.of());
        m.put("d", "\"é\n");
        return m;
    }
}
