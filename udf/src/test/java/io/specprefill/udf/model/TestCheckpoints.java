package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Test helpers (shipped in the udf test-jar): the golden fixtures' paths, and small Llama model
 * directories written with {@link SafeTensorsWriter}, intact or broken on purpose.
 */
public final class TestCheckpoints {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestCheckpoints() {
    }

    /** A directory under the test resources' {@code hf-golden/} (tokenizer, tiny-draft, tiny-target). */
    public static Path golden(String name) {
        try {
            return Paths.get(TestCheckpoints.class.getResource("/hf-golden/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("test resource hf-golden/" + name + " is missing", e);
        }
    }

    /**
     * A model of the test resources' {@code qwen-golden/} (tiny-qwen2, tiny-qwen3), or null while
     * those fixtures have not been made (scripts/make_qwen_goldens.py, run where PyTorch is).
     */
    public static Path qwenGolden(String name) {
        java.net.URL url = TestCheckpoints.class.getResource("/qwen-golden/" + name + "/golden.json");
        if (url == null) return null;
        try {
            return Paths.get(url.toURI()).getParent();
        } catch (Exception e) {
            throw new IllegalStateException("test resource qwen-golden/" + name + " cannot be read", e);
        }
    }

    /** A config.json tree for a small Llama (rope_theta 10000, no scaling, BOS 1, EOS 2). */
    public static ObjectNode config(int dim, int layers, int heads, int kvHeads, int headDim, int hidden, int vocab,
                                    boolean tied) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", dim);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim);
        c.put("intermediate_size", hidden);
        c.put("vocab_size", vocab);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.putNull("rope_scaling");
        c.put("tie_word_embeddings", tied);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("max_position_embeddings", 512);
        return c;
    }

    /**
     * Every tensor a config needs (lm_head only when untied; the biases and q/k norms of its
     * architecture last), random N(0, 0.02), norms around 1.
     */
    public static Map<String, SafeTensorsWriter.Tensor> randomWeights(LlamaConfig cfg, DType dtype, long seed) {
        Random rnd = new Random(seed);
        Map<String, SafeTensorsWriter.Tensor> m = new LinkedHashMap<>();
        put(m, ModelLoader.EMBEDDING, dtype, rnd, false, cfg.vocabSize(), cfg.dim());
        for (int l = 0; l < cfg.nLayers(); l++) {
            put(m, ModelLoader.layerTensor(l, "input_layernorm.weight"), dtype, rnd, true, cfg.dim());
            put(m, ModelLoader.layerTensor(l, "self_attn.q_proj.weight"), dtype, rnd, false, cfg.qDim(), cfg.dim());
            put(m, ModelLoader.layerTensor(l, "self_attn.k_proj.weight"), dtype, rnd, false, cfg.kvDim(), cfg.dim());
            put(m, ModelLoader.layerTensor(l, "self_attn.v_proj.weight"), dtype, rnd, false, cfg.kvDim(), cfg.dim());
            put(m, ModelLoader.layerTensor(l, "self_attn.o_proj.weight"), dtype, rnd, false, cfg.dim(), cfg.qDim());
            put(m, ModelLoader.layerTensor(l, "post_attention_layernorm.weight"), dtype, rnd, true, cfg.dim());
            put(m, ModelLoader.layerTensor(l, "mlp.gate_proj.weight"), dtype, rnd, false, cfg.hiddenDim(), cfg.dim());
            put(m, ModelLoader.layerTensor(l, "mlp.down_proj.weight"), dtype, rnd, false, cfg.dim(), cfg.hiddenDim());
            put(m, ModelLoader.layerTensor(l, "mlp.up_proj.weight"), dtype, rnd, false, cfg.hiddenDim(), cfg.dim());
        }
        put(m, ModelLoader.FINAL_NORM, dtype, rnd, true, cfg.dim());
        if (!cfg.tiedEmbeddings()) put(m, ModelLoader.LM_HEAD, dtype, rnd, false, cfg.vocabSize(), cfg.dim());
        LlamaConfig.Architecture a = cfg.architecture();
        for (int l = 0; l < cfg.nLayers(); l++) {
            if (a.qkvBias()) {
                put(m, ModelLoader.layerTensor(l, "self_attn.q_proj.bias"), dtype, rnd, false, cfg.qDim());
                put(m, ModelLoader.layerTensor(l, "self_attn.k_proj.bias"), dtype, rnd, false, cfg.kvDim());
                put(m, ModelLoader.layerTensor(l, "self_attn.v_proj.bias"), dtype, rnd, false, cfg.kvDim());
            }
            if (a.oBias()) put(m, ModelLoader.layerTensor(l, "self_attn.o_proj.bias"), dtype, rnd, false, cfg.dim());
            if (a.qkNorm()) {
                put(m, ModelLoader.layerTensor(l, "self_attn.q_norm.weight"), dtype, rnd, true, cfg.headDim());
                put(m, ModelLoader.layerTensor(l, "self_attn.k_norm.weight"), dtype, rnd, true, cfg.headDim());
            }
        }
        return m;
    }

    private static void put(Map<String, SafeTensorsWriter.Tensor> m, String name, DType dtype, Random rnd, boolean norm,
                            long... shape) {
        float[] v = new float[(int) HostTensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (norm ? 1 + 0.1 * rnd.nextGaussian() : 0.02 * rnd.nextGaussian());
        m.put(name, SafeTensorsWriter.Tensor.of(dtype, shape, v));
    }

    /** A Qwen config.json tree (transformers 4 layout) for the same shapes: Qwen2 or Qwen3 by {@code qwen3}. */
    public static ObjectNode qwenConfig(boolean qwen3, int dim, int layers, int heads, int kvHeads, int headDim,
                                        int hidden, int vocab, boolean tied) {
        ObjectNode c = config(dim, layers, heads, kvHeads, headDim, hidden, vocab, tied);
        c.putArray("architectures").add(qwen3 ? "Qwen3ForCausalLM" : "Qwen2ForCausalLM");
        c.put("model_type", qwen3 ? "qwen3" : "qwen2");
        c.put("rope_theta", 1000000.0);
        c.put("use_sliding_window", false);
        c.put("sliding_window", 4096);
        c.put("max_window_layers", layers);
        if (qwen3) c.put("attention_bias", false);
        return c;
    }

    /** Writes config.json and one model.safetensors into {@code dir} (created). */
    public static Path writeModel(Path dir, ObjectNode config, Map<String, SafeTensorsWriter.Tensor> tensors)
            throws IOException {
        writeConfig(dir, config);
        SafeTensorsWriter.write(dir.resolve(Checkpoint.SINGLE_FILE), tensors);
        return dir;
    }

    public static void writeConfig(Path dir, ObjectNode config) throws IOException {
        Files.createDirectories(dir);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
    }

    /** The stored bytes of every tensor of a safetensors file, for rewriting it in another layout. */
    public static Map<String, SafeTensorsWriter.Tensor> readAll(Path file) {
        SafeTensors st = SafeTensors.open(file);
        Map<String, SafeTensorsWriter.Tensor> m = new LinkedHashMap<>();
        for (String name : st.names()) m.put(name, raw(st.get(name)));
        return m;
    }

    public static SafeTensorsWriter.Tensor raw(HostTensor t) {
        ByteBuffer b = t.data().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return SafeTensorsWriter.Tensor.raw(t.dtype().name(), t.shape(), bytes);
    }
}
