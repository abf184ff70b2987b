package io.specprefill.udf.generate;

/** Why a sequence stopped generating. */
public enum StopReason {
    /** The model produced one of the config's eos_token_id (not included in the output ids). */
    EOS,
    /** maxNewTokens tokens were generated. */
    MAX_TOKENS,
    /** The caller's {@link StopCondition} (e.g. a stop string) fired. */
    STOP_CONDITION
}
