package io.specprefill.udf.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Builds {@link LlamaWeights} from a model directory's safetensors, checking every tensor's shape
 * against the config before any compute. One table ({@link #LAYER_TABLE}) maps Hugging Face names
 * to fields.
 *
 * <p>Tied embeddings: with {@code tie_word_embeddings: true} the LM head is the embedding table,
 * and an {@code lm_head.weight} stored anyway is ignored, because Hugging Face ties the two after
 * loading, so the reference outputs come from the embedding. Untied without {@code lm_head.weight}
 * is an error.
 */
public final class ModelLoader {
    private ModelLoader() {
    }

    /** One per-layer tensor: the name after {@code model.layers.{i}.} and its shape for a config. */
    private record LayerSlot(String suffix, Function<LlamaConfig, long[]> shape) {
    }

    /** A per-layer tensor only some architectures have. */
    private record ExtraSlot(String suffix, Predicate<LlamaConfig.Architecture> present, Function<LlamaConfig, long[]> shape) {
    }

    /** In {@link LlamaWeights} constructor order: attnNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3. */
    private static final List<LayerSlot> LAYER_TABLE = List.of(
            new LayerSlot("input_layernorm.weight", c -> shape(c.dim())),               // attnNorm [dim]
            new LayerSlot("self_attn.q_proj.weight", c -> shape(c.qDim(), c.dim())),     // wq [H*D, dim]
            new LayerSlot("self_attn.k_proj.weight", c -> shape(c.kvDim(), c.dim())),    // wk [G*D, dim]
            new LayerSlot("self_attn.v_proj.weight", c -> shape(c.kvDim(), c.dim())),    // wv [G*D, dim]
            new LayerSlot("self_attn.o_proj.weight", c -> shape(c.dim(), c.qDim())),     // wo [dim, H*D]
            new LayerSlot("post_attention_layernorm.weight", c -> shape(c.dim())),      // ffnNorm [dim]
            new LayerSlot("mlp.gate_proj.weight", c -> shape(c.hiddenDim(), c.dim())),   // w1 [hidden, dim]
            new LayerSlot("mlp.down_proj.weight", c -> shape(c.dim(), c.hiddenDim())),   // w2 [dim, hidden]
            new LayerSlot("mlp.up_proj.weight", c -> shape(c.hiddenDim(), c.dim())));    // w3 [hidden, dim]

    /** In {@link LlamaWeights} constructor order after lmHead: bq, bk, bv, bo, qNorm, kNorm. */
    private static final List<ExtraSlot> EXTRA_TABLE = List.of(
            new ExtraSlot("self_attn.q_proj.bias", LlamaConfig.Architecture::qkvBias, c -> shape(c.qDim())),  // bq [H*D]
            new ExtraSlot("self_attn.k_proj.bias", LlamaConfig.Architecture::qkvBias, c -> shape(c.kvDim())), // bk [G*D]
            new ExtraSlot("self_attn.v_proj.bias", LlamaConfig.Architecture::qkvBias, c -> shape(c.kvDim())), // bv [G*D]
            new ExtraSlot("self_attn.o_proj.bias", LlamaConfig.Architecture::oBias, c -> shape(c.dim())),     // bo [dim]
            new ExtraSlot("self_attn.q_norm.weight", LlamaConfig.Architecture::qkNorm, c -> shape(c.headDim())), // qNorm [D]
            new ExtraSlot("self_attn.k_norm.weight", LlamaConfig.Architecture::qkNorm, c -> shape(c.headDim()))); // kNorm [D]

    public static final String EMBEDDING = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    /** The HF name of a per-layer tensor, e.g. {@code model.layers.3.mlp.up_proj.weight}. */
    public static String layerTensor(int layer, String suffix) {
        return "model.layers." + layer + "." + suffix;
    }

    /** Maps and checks the weights in {@code dir} (one file or sharded) for {@code cfg}. */
    public static LlamaWeights loadWeights(Path dir, LlamaConfig cfg) {
        Checkpoint ckpt = Checkpoint.open(dir);
        HostTensor embedding = tensor(ckpt, cfg, EMBEDDING, shape(cfg.vocabSize(), cfg.dim()));
        HostTensor[][] layers = new HostTensor[LAYER_TABLE.size()][cfg.nLayers()];
        for (int s = 0; s < LAYER_TABLE.size(); s++) {
            LayerSlot slot = LAYER_TABLE.get(s);
            for (int l = 0; l < cfg.nLayers(); l++) {
                layers[s][l] = tensor(ckpt, cfg, layerTensor(l, slot.suffix()), slot.shape().apply(cfg));
            }
        }
        HostTensor[][] extras = new HostTensor[EXTRA_TABLE.size()][];
        for (int s = 0; s < EXTRA_TABLE.size(); s++) {
            ExtraSlot slot = EXTRA_TABLE.get(s);
            if (!slot.present().test(cfg.architecture())) continue;
            extras[s] = new HostTensor[cfg.nLayers()];
            for (int l = 0; l < cfg.nLayers(); l++) {
                extras[s][l] = tensor(ckpt, cfg, layerTensor(l, slot.suffix()), slot.shape().apply(cfg));
            }
        }
        HostTensor finalNorm = tensor(ckpt, cfg, FINAL_NORM, shape(cfg.dim()));
        HostTensor lmHead;
        if (cfg.tiedEmbeddings()) {
            lmHead = embedding;
        } else if (ckpt.find(LM_HEAD).isPresent()) {
            lmHead = tensor(ckpt, cfg, LM_HEAD, shape(cfg.vocabSize(), cfg.dim()));
        } else {
            throw new ModelFormatException(ckpt.source() + ": tensor '" + LM_HEAD + "' is missing and "
                    + cfg.source() + " has tie_word_embeddings=false");
        }
        Map<String, HostTensor> scales = fp8Scales(dir, ckpt, layers, embedding, lmHead, finalNorm, extras);
        return new LlamaWeights(embedding, layers[0], layers[1], layers[2], layers[3], layers[4], layers[5],
                layers[6], layers[7], layers[8], finalNorm, lmHead, extras[0], extras[1], extras[2], extras[3],
                extras[4], extras[5], scales);
    }

    /** Slots of {@link #LAYER_TABLE} that are nn.Linear weights: the ones an FP8 checkpoint quantizes. */
    private static final int[] LINEAR_SLOTS = {1, 2, 3, 4, 6, 7, 8};

    /**
     * The weight_scale of every F8_E4M3 projection (compressed-tensors: {@code <linear>.weight_scale}
     * beside {@code <linear>.weight}). Only the layers' projections may be FP8, only with a
     * quantization_config, and never with static {@code input_scale}s.
     */
    private static Map<String, HostTensor> fp8Scales(Path dir, Checkpoint ckpt, HostTensor[][] layers,
                                                     HostTensor embedding, HostTensor lmHead, HostTensor finalNorm,
                                                     HostTensor[][] extras) {
        Map<String, HostTensor> scales = new LinkedHashMap<>();
        QuantizationConfig quant = null;
        boolean quantRead = false;
        for (int s : LINEAR_SLOTS) {
            for (HostTensor w : layers[s]) {
                if (w.dtype() != DType.F8_E4M3) continue;
                if (!quantRead) {
                    quant = ConfigJson.quantization(dir);
                    quantRead = true;
                }
                if (quant == null) {
                    throw new ModelFormatException(ckpt.fileOf(w.name()) + ": tensor '" + w.name() + "' is F8_E4M3 but "
                            + dir.resolve("config.json") + " has no " + QuantizationConfig.KEY);
                }
                String base = w.name().substring(0, w.name().length() - ".weight".length());
                if (ckpt.find(base + ".input_scale").isPresent()) {
                    throw new ModelFormatException(ckpt.fileOf(w.name()) + ": tensor '" + base + ".input_scale' (a static"
                            + " activation scale) is not supported: activations are quantised per token at run time");
                }
                String scaleName = base + ".weight_scale";
                HostTensor scale = ckpt.find(scaleName).orElseThrow(() -> new ModelFormatException(ckpt.source()
                        + ": tensor '" + scaleName + "' is missing (the scale of the F8_E4M3 weight '" + w.name() + "')"));
                Fp8Matrix.fromCheckpoint(w, scale); // checks the scale's shape and dtype now, naming the file's tensor
                scales.put(w.name(), scale);
            }
        }
        java.util.List<HostTensor> others = new java.util.ArrayList<>(java.util.List.of(embedding, lmHead, finalNorm));
        for (int s : new int[]{0, 5}) others.addAll(java.util.List.of(layers[s]));
        for (HostTensor[] e : extras) if (e != null) others.addAll(java.util.List.of(e));
        for (HostTensor t : others) {
            if (t.dtype() == DType.F8_E4M3) {
                throw new ModelFormatException(ckpt.fileOf(t.name()) + ": tensor '" + t.name() + "' is F8_E4M3; only the"
                        + " layers' projections (q/k/v/o, gate/up/down) may be FP8 (the embedding, norms, biases and"
                        + " lm_head stay BF16, as compressed-tensors' ignore: [\"lm_head\"] leaves them)");
            }
        }
        return scales;
    }

    /**
     * Every tensor {@link #loadWeights} reads for {@code cfg}, name -> shape, in checkpoint order
     * (embedding; per layer its table slots, then its extras; final norm; the LM head when untied).
     * Writers of checkpoints ({@code specprefill make-model}) use this, so what they write is what
     * this loader reads.
     */
    public static Map<String, long[]> expectedTensors(LlamaConfig cfg) {
        Map<String, long[]> out = new LinkedHashMap<>();
        out.put(EMBEDDING, shape(cfg.vocabSize(), cfg.dim()));
        for (int l = 0; l < cfg.nLayers(); l++) {
            for (LayerSlot slot : LAYER_TABLE) out.put(layerTensor(l, slot.suffix()), slot.shape().apply(cfg));
            for (ExtraSlot slot : EXTRA_TABLE) {
                if (slot.present().test(cfg.architecture())) {
                    out.put(layerTensor(l, slot.suffix()), slot.shape().apply(cfg));
                }
            }
        }
        out.put(FINAL_NORM, shape(cfg.dim()));
        if (!cfg.tiedEmbeddings()) out.put(LM_HEAD, shape(cfg.vocabSize(), cfg.dim()));
        return out;
    }

    private static HostTensor tensor(Checkpoint ckpt, LlamaConfig cfg, String name, long[] expected) {
        HostTensor t = ckpt.find(name).orElseThrow(() -> new ModelFormatException(ckpt.source() + ": tensor '" + name
                + "' is missing (expected shape " + Arrays.toString(expected) + " for " + cfg.source() + ")"));
        if (!Arrays.equals(t.shape(), expected)) {
            throw new ModelFormatException(ckpt.fileOf(name) + ": tensor '" + name + "' has shape "
                    + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(expected) + " from " + cfg.source());
        }
        return t;
    }

    private static long[] shape(long... dims) {
        return dims;
    }
}
