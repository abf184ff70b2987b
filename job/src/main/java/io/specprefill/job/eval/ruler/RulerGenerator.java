package io.specprefill.job.eval.ruler;

import java.util.List;

/** A RULER task generator: rows at a target length (tokens, tokens_to_generate included). */
public interface RulerGenerator {
    List<RulerSample> generate(int maxSeqLength, int numSamples);
}
