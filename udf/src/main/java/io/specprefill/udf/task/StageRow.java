package io.specprefill.udf.task;

/**
 * What a stage's output row tells its {@link BatchingIterator}: which input row it answers, its
 * error (null when fine), and the tokens it stands for in the progress lines.
 */
public interface StageRow {
    PromptRecord source();

    String error();

    /** Stage 1: N, the prompt tokens read by the draft; stage 2: K kept + generated tokens. */
    int tokens();
}
