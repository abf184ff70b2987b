package io.specprefill.udf.generate;

import io.specprefill.udf.llama.Logits;

import java.util.function.IntFunction;

/**
 * Picks the tokens of one step for all its rows at once: the rows whose sampler is a
 * {@link TopPSampler} go through one backend {@link Logits#sampleTopP} (each with its own
 * temperature, top-p and next uniform), the others through their own sampler ({@link Sampler#ARGMAX}
 * through the backend argmax). Either way only ids are copied back. Buffers grow to the largest step
 * and are then reused.
 */
final class StepSampler {
    private float[] temperature = new float[0];
    private float[] topP = new float[0];
    private float[] uniforms = new float[0];

    /** out[r] = the token of row r &lt; logits.rows(), drawn by samplerOfRow.apply(r). */
    void sample(Logits logits, IntFunction<Sampler> samplerOfRow, int[] out) {
        int R = logits.rows();
        if (temperature.length < R) {
            temperature = new float[R];
            topP = new float[R];
            uniforms = new float[R];
        }
        boolean any = false;
        for (int r = 0; r < R; r++) {
            if (samplerOfRow.apply(r) instanceof TopPSampler s) {
                temperature[r] = s.temperature();
                topP[r] = s.topP();
                uniforms[r] = s.nextUniform();
                any = true;
            } else {    // a valid placeholder: the op samples every row, this one's id is not used
                temperature[r] = 1f;
                topP[r] = 1f;
                uniforms[r] = 0f;
            }
        }
        int[] sampled = any ? logits.sampleTopP(temperature, topP, uniforms) : null;
        for (int r = 0; r < R; r++) {
            Sampler s = samplerOfRow.apply(r);
            out[r] = s instanceof TopPSampler ? sampled[r] : s.sample(logits, r);
        }
    }
}
