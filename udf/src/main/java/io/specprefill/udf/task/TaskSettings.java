package io.specprefill.udf.task;

import io.specprefill.udf.generate.GenerationParams;
import io.specprefill.udf.prefill.PrefillParams;
import java.io.Serializable;

/**
 * Everything a task needs, sent from the driver to executors: model paths, the backend, and the
 * config's records exactly as the job built and checked them. Never models: executors load those
 * from the paths through a per-JVM {@link ModelCache}.
 *
 * <p>Whether stage 1 speculates is decided here, once: with no draft, or with keep 1 (every token
 * kept anyway), there is no draft ({@code draftDir} null), and {@link #speculationOff()} answers.
 *
 * @param draftDir  the draft model directory; null: no speculation (also made null when keep is 1)
 * @param targetDir the target model directory
 * @param backend   "cpu", "cuda" or "auto" (cuda when a GPU is usable, else cpu)
 * @param prefill   the algorithm's settings (stage 1)
 * @param generation how stage 2 generates
 * @param prompts   how prompts become ids (stage 1)
 * @param batches   prompts per batch in each stage
 * @param weights   how the draft's and the target's projections are held (auto or fp8)
 */
public record TaskSettings(String draftDir, String targetDir, String backend, PrefillParams prefill,
                           GenerationParams generation, PromptParams prompts, BatchSizes batches,
                           WeightDtypes weights)
        implements Serializable {
    private static final long serialVersionUID = 2L;

    public TaskSettings {
        if (prefill.keepsEverything()) draftDir = null;
        if (weights == null) weights = WeightDtypes.AUTO;
    }

    /** With both models as their checkpoints store them. */
    public TaskSettings(String draftDir, String targetDir, String backend, PrefillParams prefill,
                        GenerationParams generation, PromptParams prompts, BatchSizes batches) {
        this(draftDir, targetDir, backend, prefill, generation, prompts, batches, WeightDtypes.AUTO);
    }

    /** True when stage 1 keeps every token and loads no draft: the baseline. */
    public boolean speculationOff() {
        return draftDir == null;
    }
}
