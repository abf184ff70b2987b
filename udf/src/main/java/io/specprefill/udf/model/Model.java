package io.specprefill.udf.model;

import java.nio.file.Path;

/**
 * A loaded model directory: its config and its weights, checked against each other. The weights
 * are views into read-only memory mappings whose channels are already closed; Java 17 releases
 * the mappings when they are garbage collected, so a Model holds nothing to close.
 */
public record Model(Path dir, LlamaConfig config, LlamaWeights weights) {

    /** Reads {@code dir/config.json} and maps and checks the safetensors next to it. */
    public static Model load(Path dir) {
        LlamaConfig config = LlamaConfig.load(dir);
        return new Model(dir, config, ModelLoader.loadWeights(dir, config));
    }
}
