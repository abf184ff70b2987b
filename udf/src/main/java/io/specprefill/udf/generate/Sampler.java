package io.specprefill.udf.generate;

import io.specprefill.udf.llama.Logits;

/**
 * Picks the next token from one row of a step's logits. Greedy ({@link #ARGMAX}) and
 * {@link TopPSampler} run on the backend, so a decode step copies back only the ids ({@link Generator}
 * batches the top-p rows of a step into one op). A sampler may keep state (a random generator): use
 * one instance per sequence.
 */
@FunctionalInterface
public interface Sampler {
    /** The token for row {@code row} of {@code logits}. */
    int sample(Logits logits, int row);

    /** Greedy: the highest logit, the lowest id on ties (as torch.argmax). */
    Sampler ARGMAX = Logits::argmax;

    /** Greedy when temperature is 0, else temperature + top-p with the given seed. */
    static Sampler of(double temperature, double topP, long seed) {
        return temperature == 0 ? ARGMAX : new TopPSampler(temperature, topP, seed);
    }
}
