package io.specprefill.udf.task;

import java.io.Serializable;
import java.util.List;

/**
 * Everything a task needs, sent from the driver to executors: paths and settings only, never
 * models. The job builds it from its YAML config and flags; executors load models from the paths
 * through a per-JVM cache.
 *
 * @param draftDir          draft model directory, null for no draft (baseline: keep everything)
 * @param targetDir         target model directory
 * @param backend           "cpu", "cuda" or "auto" (cuda when a GPU is usable, else cpu)
 * @param keep              p, fraction of chunks to keep, (0, 1]; 1 keeps everything
 * @param chunkSize         C; 0 or 1 selects tokens instead of chunks
 * @param poolKernel        W, odd
 * @param lookahead         A >= 1 (1: last prompt token only)
 * @param keepTail          tokens always kept at the end (default C)
 * @param maxNewTokens      default generation limit
 * @param temperature       0 for greedy
 * @param topP              nucleus mass, (0, 1]
 * @param seed              sampling seed (per row: seed + hash of the id)
 * @param stopStrings       generation stops once the decoded text contains one (e.g. "\n" for samsum)
 * @param chatTemplate      wrap prompts in the target's own chat template (ChatTemplate.forModel)
 * @param maxPromptTokens   0 for the target's max_position_embeddings minus maxNewTokens
 * @param truncateMiddle    over-long prompts: keep the first and last maxPromptTokens/2 tokens; else error
 * @param draftBatchSize    prompts per draft batch
 * @param targetBatchSize   prompts per target batch
 */
public record TaskSettings(String draftDir, String targetDir, String backend, double keep, int chunkSize,
                           int poolKernel, int lookahead, int keepTail, int maxNewTokens, double temperature,
                           double topP, long seed, List<String> stopStrings, boolean chatTemplate,
                           int maxPromptTokens, boolean truncateMiddle, int draftBatchSize, int targetBatchSize)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public TaskSettings {
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    }

    /** True when stage 1 keeps every token (no draft, or keep 1). */
    public boolean speculationOff() {
        return draftDir == null || keep >= 1.0;
    }
}
