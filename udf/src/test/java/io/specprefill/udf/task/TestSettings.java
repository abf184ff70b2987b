package io.specprefill.udf.task;

import io.specprefill.udf.generate.GenerationParams;
import io.specprefill.udf.model.TestCheckpoints;
import io.specprefill.udf.prefill.PrefillParams;

import java.util.List;

/**
 * A mutable builder of {@link TaskSettings} for tests; defaults: the hf-golden tiny pair on the CPU.
 * {@link #build()} builds the records, which check their values as the job's config does.
 */
public final class TestSettings {
    public String draftDir = TestCheckpoints.golden("tiny-draft").toString();
    public String targetDir = TestCheckpoints.golden("tiny-target").toString();
    public String backend = "cpu";
    public double keep = 0.3;
    public int chunkSize = 32;
    public int poolKernel = 13;
    public int lookahead = 8;
    public int keepTail = 32;
    public int maxNewTokens = 8;
    public double temperature = 0;
    public double topP = 1;
    public long seed = 42;
    public List<String> stopStrings = List.of();
    public boolean chatTemplate = false;
    public int maxPromptTokens = 0;
    public boolean truncateMiddle = false;
    public int draftBatchSize = 2;
    public int targetBatchSize = 3;
    public WeightDtypes weights = WeightDtypes.AUTO;

    public TaskSettings build() {
        return new TaskSettings(draftDir, targetDir, backend,
                new PrefillParams(keep, chunkSize, poolKernel, lookahead, keepTail),
                new GenerationParams(maxNewTokens, temperature, topP, seed, stopStrings),
                new PromptParams(chatTemplate, maxPromptTokens, truncateMiddle),
                new BatchSizes(draftBatchSize, targetBatchSize), weights);
    }
}
