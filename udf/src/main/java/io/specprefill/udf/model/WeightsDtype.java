package io.specprefill.udf.model;

import java.util.Locale;

/**
 * How a model's projection weights are held on the backend (YAML {@code draft_weights_dtype} and
 * {@code target_weights_dtype}, {@code generate --weights-dtype}).
 * <ul>
 *   <li>{@link #AUTO}: as the checkpoint stores them: BF16/F16/F32 checkpoints in the backend's own
 *       format (CPU float32, GPU BF16), an FP8 checkpoint in FP8.</li>
 *   <li>{@link #FP8}: the projections (q/k/v/o, gate/up/down) of a BF16/F16/F32 checkpoint are
 *       quantised to FP8 at load, per output channel ({@link Fp8Matrix#quantize}); the embedding,
 *       norms, biases and LM head stay as they are. An FP8 checkpoint stays FP8.</li>
 * </ul>
 */
public enum WeightsDtype {
    AUTO, FP8;

    /** The YAML value ("auto", "fp8"). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a value of {@code key}; an error names the key, the value and the choices. */
    public static WeightsDtype parse(String value, String key) {
        if (value == null) return AUTO;
        for (WeightsDtype d : values()) {
            if (d.key().equals(value.trim().toLowerCase(Locale.ROOT))) return d;
        }
        throw new IllegalArgumentException(key + "=" + value + " must be one of auto, fp8");
    }
}
