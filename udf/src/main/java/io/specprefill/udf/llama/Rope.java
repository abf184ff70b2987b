package io.specprefill.udf.llama;

import io.specprefill.udf.model.LlamaConfig;

/**
 * RoPE inverse frequencies [D/2], float32, exactly as Hugging Face computes them at load time
 * ({@code _compute_default_rope_parameters}, then {@code _compute_llama3_parameters} when
 * {@code rope_scaling.rope_type} is llama3). Every step is a float32 tensor op in HF, so every step
 * here rounds to float the same way; {@code scalar / tensor} is {@code tensor.reciprocal() * scalar}
 * in PyTorch, and is written so.
 */
public final class Rope {
    private Rope() {
    }

    /** The inverse frequencies for a model's head_dim, rope_theta and rope_scaling. */
    public static float[] invFreq(LlamaConfig config) {
        float[] inv = plain(config.headDim(), config.ropeTheta());
        return config.ropeScaling() == null ? inv : llama3(inv, config.ropeScaling());
    }

    /** inv_freq[i] = 1 / theta^(2i / D): exponent and power in float32, as torch's {@code base ** (arange / dim)}. */
    static float[] plain(int headDim, float theta) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            float pow = (float) Math.pow(theta, exponent);
            inv[i] = reciprocal(pow) * 1.0f;
        }
        return inv;
    }

    /**
     * Llama 3.1 frequency scaling: wavelengths above original_max/low_freq_factor are divided by
     * factor, below original_max/high_freq_factor kept, and in between interpolated
     * with smooth = (original_max / wavelen - low) / (high - low), as HF. Python scalars meet float32
     * tensors, so they are rounded to float first, as PyTorch does with wrapped numbers.
     */
    static float[] llama3(float[] inv, LlamaConfig.RopeScaling s) {
        float factor = s.factor();
        float low = s.lowFreqFactor();
        float high = s.highFreqFactor();
        float oldLen = s.originalMaxPositions();
        float lowFreqWavelen = (float) ((double) s.originalMaxPositions() / s.lowFreqFactor());
        float highFreqWavelen = (float) ((double) s.originalMaxPositions() / s.highFreqFactor());
        float highMinusLow = (float) ((double) high - (double) low);
        float twoPi = (float) (2 * Math.PI);
        float[] out = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            float wavelen = reciprocal(inv[i]) * twoPi;
            float scaled = wavelen > lowFreqWavelen ? inv[i] / factor : inv[i];
            float smooth = (reciprocal(wavelen) * oldLen - low) / highMinusLow;
            float smoothed = (1f - smooth) * scaled / factor + smooth * scaled;
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            out[i] = medium ? smoothed : scaled;
        }
        return out;
    }

    private static float reciprocal(float v) {
        return 1.0f / v;
    }
}
