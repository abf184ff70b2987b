package io.specprefill.udf.generate;

/**
 * One sequence's output.
 *
 * @param ids       generated ids, the EOS that ended it excluded
 * @param reason    why it stopped
 * @param prefillMs wall time of the (batched) prefill step, until its logits were ready
 * @param ttftMs    prefill plus sampling the first token
 * @param decodeMs  from the first token until this sequence stopped
 */
public record Generation(int[] ids, StopReason reason, double prefillMs, double ttftMs, double decodeMs) {

    /** Decode steps this sequence took: every sampled token after the first, the final EOS included. */
    public int decodeSteps() {
        return Math.max(0, ids.length - 1 + (reason == StopReason.EOS ? 1 : 0));
    }

    /** Decode speed: decode steps per second of decode time (0 when there were none). */
    public double decodeTokensPerSecond() {
        return decodeSteps() > 0 && decodeMs > 0 ? decodeSteps() / (decodeMs / 1000.0) : 0;
    }
}
