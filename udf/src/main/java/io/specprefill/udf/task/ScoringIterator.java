package io.specprefill.udf.task;

import io.specprefill.udf.Timer;
import io.specprefill.udf.generate.MemoryPlan;
import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.prefill.PrefillParams;
import io.specprefill.udf.prefill.Selection;
import io.specprefill.udf.prefill.SpeculativePrefill;
import io.specprefill.udf.tokenizer.ChatTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Stage 1 (design.md 4) over one partition: prompts in, kept tokens out, one per row in input order.
 * Each row is tokenized (chat template, truncation as configured; a bad row gets its error), then
 * the usable rows of a draft batch are scored together by {@link SpeculativePrefill}. With
 * speculation off ({@link TaskSettings#speculationOff()}) every token is kept and no backend or
 * model is loaded.
 *
 * <p>draftMs of a row is the wall time of the draft batch it was scored in (the time it waited for
 * its scores), as the target's prefill time is that of its batch; draftBatch says how many prompts
 * shared it.
 */
public final class ScoringIterator extends BatchingIterator<PromptRecord, ScoringIterator.Prompt, ScoredPrompt> {
    /** A row and its ids (or the error that replaces them). */
    record Prompt(PromptRecord row, PromptTokens.Result tokens) {
    }

    private static final System.Logger LOG = System.getLogger("io.specprefill.udf.task");

    private final TaskSettings settings;
    private final int deviceOrdinal;
    private PromptTokens prompts;
    private LlamaConfig target;
    private SpeculativePrefill scorer;

    /**
     * @param deviceOrdinal the GPU Spark assigned (-1: none; "cuda" then uses 0)
     * @param label         e.g. "stage 1 partition 3/64", the prefix of this task's log lines
     */
    public ScoringIterator(TaskSettings settings, Iterator<PromptRecord> rows, int deviceOrdinal, String label) {
        super(rows, settings.batches().draft(), label);
        this.settings = settings;
        this.deviceOrdinal = deviceOrdinal;
    }

    @Override
    String open() {
        Path targetDir = Path.of(settings.targetDir());
        target = LlamaConfig.load(targetDir);
        prompts = new PromptTokens(ModelCache.tokenizer(targetDir),
                settings.prompts().chatTemplate() ? ChatTemplate.forModel(targetDir) : ChatTemplate.NONE,
                settings.prompts().truncateMiddle());
        if (settings.speculationOff()) {
            // No draft, but a GPU for this task: the target can load while the rows are tokenized.
            if (deviceOrdinal >= 0) {
                Backends.Choice choice = openBackend(settings.backend(), deviceOrdinal);
                prefetchTarget(targetDir, choice, (Backend) device);
            }
            return "no draft scoring (speculation off): every token kept";
        }
        Backends.Choice choice = openBackend(settings.backend(), deviceOrdinal);
        LlamaModel draft = ModelCache.model(Path.of(settings.draftDir()), choice, settings.weights().draft());
        PrefillParams p = settings.prefill();
        synchronized (device) { // allocates this task's buffers on the shared backend
            scorer = new SpeculativePrefill(draft, p);
        }
        prefetchTarget(targetDir, choice, draft.backend);
        return "backend " + choice.key() + " (" + choice.brief() + "), draft " + settings.draftDir() + ", keep " + p.keep()
                + ", lookahead " + p.lookahead() + ", chunk " + p.chunkSize() + ", pool " + p.poolKernel()
                + ", keep_tail " + p.keepTail();
    }

    @Override
    Prompt prepare(PromptRecord row) {
        if (row.error() == null && row.maxNewTokens() > target.maxPositions() - 2) {
            return new Prompt(row, PromptTokens.Result.error("field 'max_new_tokens' is " + row.maxNewTokens()
                    + ", more than the target's max_position_embeddings=" + target.maxPositions()
                    + " allows with a prompt (at most " + (target.maxPositions() - 2) + ")"));
        }
        return new Prompt(row, prompts.prepare(row, limit(row)));
    }

    @Override
    ScoredPrompt done(Prompt p) {
        PromptTokens.Result r = p.tokens();
        if (r.error() != null) return new ScoredPrompt(p.row(), null, null, r.tokens(), 0, r.error());
        if (settings.speculationOff()) {
            return new ScoredPrompt(p.row(), r.ids(), iota(r.ids().length), r.ids().length, 0, null);
        }
        return null;
    }

    @Override
    List<ScoredPrompt> run(List<Prompt> batch) {
        List<int[]> ids = batch.stream().map(p -> p.tokens().ids()).toList();
        Timer draft;
        List<int[]> kept;
        synchronized (device) {
            draft = Timer.start(); // draft time excludes waiting for another task's turn
            kept = scorer.select(ids);
        }
        double ms = draft.ms();
        List<ScoredPrompt> out = new ArrayList<>(batch.size());
        for (int j = 0; j < batch.size(); j++) {
            int[] k = kept.get(j);
            out.add(new ScoredPrompt(batch.get(j).row(), Selection.gather(ids.get(j), k), k, ids.get(j).length, ms,
                    batch.size(), null));
        }
        return out;
    }

    /**
     * Starts loading stage 2's target on this task's device while stage 1 runs (ModelCache#prefetch):
     * beside the draft's batches, or beside tokenization when there is no draft. Stage 2 then does
     * not open with the target's load. Only on a GPU whose exact free memory leaves a quarter of the
     * device after the target's checkpoint bytes, for the draft's batches; the CPU backend's batches
     * already use every core, and a heap figure is no basis for the check. On an executor with several
     * GPUs stage 2's task may get another one, which then loads its own copy.
     * {@code -Dspecprefill.prefetchTarget=false} turns it off.
     */
    private void prefetchTarget(Path targetDir, Backends.Choice choice, Backend b) {
        if (!Boolean.parseBoolean(System.getProperty("specprefill.prefetchTarget", "true"))) return;
        if (!b.memoryInfoExact()) return;
        long[] memory;
        long need;
        try {
            synchronized (device) {
                memory = b.memoryInfo();
            }
            need = ModelCache.checkpointBytes(targetDir);
        } catch (RuntimeException e) {   // an early load is an optimisation: stage 1 goes on, stage 2 loads and reports
            LOG.log(System.Logger.Level.WARNING, label() + ": the target " + targetDir + " loads in stage 2: " + e.getMessage());
            return;
        }
        boolean fits = memory[0] - need >= memory[1] / 4;
        if (fits && ModelCache.prefetch(targetDir, choice, settings.weights().target())) {
            LOG.log(System.Logger.Level.INFO, label() + ": loading the target " + targetDir + " (" + MemoryPlan.gib(need)
                    + ") on " + choice.key() + " during stage 1 (" + MemoryPlan.gib(memory[0]) + " free)");
        } else if (!fits) {
            LOG.log(System.Logger.Level.INFO, label() + ": the target " + targetDir + " loads in stage 2: its "
                    + MemoryPlan.gib(need) + " would leave less than a quarter of " + choice.key() + "'s "
                    + MemoryPlan.gib(memory[1]) + " free (" + MemoryPlan.gib(memory[0]) + " free now)");
        }
    }

    @Override
    ScoredPrompt failed(Prompt p, Throwable error) {
        return new ScoredPrompt(p.row(), null, null, p.tokens().ids().length, 0, "draft scoring failed: " + error);
    }

    @Override
    void release() {
        if (scorer != null) {
            synchronized (device) {
                scorer.close();
            }
        }
    }

    /** The most prompt tokens a row may have: generated tokens must still fit the target's positions. */
    private int limit(PromptRecord row) {
        int maxNew = row.maxNewTokens() > 0 ? row.maxNewTokens() : settings.generation().maxNewTokens();
        int limit = target.maxPositions() - maxNew;
        int max = settings.prompts().maxPromptTokens();
        return max > 0 ? Math.min(max, limit) : limit;
    }

    private static int[] iota(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }
}
