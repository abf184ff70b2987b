package io.specprefill.udf.task;

import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.prefill.Selection;
import io.specprefill.udf.prefill.SpeculativePrefill;
import io.specprefill.udf.tokenizer.ChatTemplate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Stage 1 over one partition, one draft batch at a time: tokenize each row (errors go into the
 * row), score the usable rows of the batch together with the draft, select. A batch whose draft
 * pass fails is retried one prompt at a time, so only the prompt that fails (e.g. out of device
 * memory) gets an error. Without speculation (no draft, or keep 1) every token is kept, and no
 * backend or model is loaded.
 *
 * <p>draftMs of a row is the wall time of the draft batch it was scored in (the time it waited for
 * its scores), as the target's prefill time is that of its batch.
 */
final class ScoringIterator extends BatchingIterator<PromptRecord, ScoredPrompt> {
    private final TaskSettings settings;
    private final int deviceOrdinal;
    private final String label;
    private Progress progress;
    private PromptTokens prompts;
    private LlamaConfig target;
    private SpeculativePrefill scorer;
    /** The backend the draft lives on: tasks of one JVM that share it take turns (see ModelCache#backend). */
    private Object device;

    ScoringIterator(TaskSettings settings, Iterator<PromptRecord> rows, int deviceOrdinal, String label) {
        super(rows, settings.draftBatchSize());
        this.settings = settings;
        this.deviceOrdinal = deviceOrdinal;
        this.label = label;
    }

    @Override
    void open() {
        Path targetDir = Path.of(settings.targetDir());
        target = LlamaConfig.load(targetDir);
        prompts = new PromptTokens(ModelCache.tokenizer(targetDir),
                settings.chatTemplate() ? ChatTemplate.forModel(targetDir) : ChatTemplate.NONE, settings.truncateMiddle());
        if (settings.speculationOff()) {
            progress = new Progress(label, "no draft scoring (" + (settings.draftDir() == null ? "no draft" : "keep 1")
                    + "): every token kept");
            return;
        }
        Backends.Choice choice = Backends.choose(settings.backend(), deviceOrdinal);
        device = ModelCache.backend(choice);
        var draft = ModelCache.model(Path.of(settings.draftDir()), choice);
        synchronized (device) { // allocates this task's buffers on the shared backend
            scorer = new SpeculativePrefill(draft, new SpeculativePrefill.Params(settings.keep(), settings.chunkSize(),
                    settings.poolKernel(), settings.lookahead(), settings.keepTail()));
        }
        progress = new Progress(label, "backend " + choice.key() + " (" + choice.why() + "), draft "
                + settings.draftDir() + ", keep " + settings.keep() + ", lookahead " + settings.lookahead()
                + ", chunk " + settings.chunkSize() + ", pool " + settings.poolKernel() + ", keep_tail "
                + settings.keepTail());
    }

    @Override
    List<ScoredPrompt> process(List<PromptRecord> batch) {
        ScoredPrompt[] out = new ScoredPrompt[batch.size()];
        List<Integer> toScore = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            PromptRecord row = batch.get(i);
            PromptTokens.Result r = prompts.prepare(row, limit(row));
            if (r.error() != null) {
                out[i] = new ScoredPrompt(row, null, null, 0, 0, r.error());
            } else if (scorer == null) {
                out[i] = new ScoredPrompt(row, r.ids(), iota(r.ids().length), r.ids().length, 0, null);
            } else {
                toScore.add(i);
                ids.add(r.ids());
            }
        }
        score(batch, toScore, ids, out);
        for (ScoredPrompt s : out) {
            progress.row(s.promptTokens(), s.error() != null);
            if (s.error() != null) progress.warn(s.source().id(), s.error());
        }
        progress.batchDone();
        return List.of(out);
    }

    /** The most prompt tokens a row may have: generated tokens must still fit the target's positions. */
    private int limit(PromptRecord row) {
        int maxNew = row.maxNewTokens() > 0 ? row.maxNewTokens() : settings.maxNewTokens();
        int limit = target.maxPositions() - maxNew;
        return settings.maxPromptTokens() > 0 ? Math.min(settings.maxPromptTokens(), limit) : limit;
    }

    /** Scores rows idx (ids alike) as one draft batch; on failure, each alone. */
    private void score(List<PromptRecord> batch, List<Integer> idx, List<int[]> ids, ScoredPrompt[] out) {
        if (idx.isEmpty()) return;
        long t0;
        List<int[]> kept;
        try {
            synchronized (device) {
                t0 = System.nanoTime(); // draft time excludes waiting for another task's turn
                kept = scorer.select(ids);
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            if (idx.size() == 1) {
                PromptRecord row = batch.get(idx.get(0));
                out[idx.get(0)] = new ScoredPrompt(row, null, null, ids.get(0).length, 0, "draft scoring failed: " + e);
                return;
            }
            for (int j = 0; j < idx.size(); j++) score(batch, List.of(idx.get(j)), List.of(ids.get(j)), out);
            return;
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        for (int j = 0; j < idx.size(); j++) {
            int[] k = kept.get(j);
            out[idx.get(j)] = new ScoredPrompt(batch.get(idx.get(j)), Selection.gather(ids.get(j), k), k,
                    ids.get(j).length, ms, null);
        }
    }

    private static int[] iota(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    @Override
    void release(boolean opened) {
        if (scorer != null) {
            synchronized (device) {
                scorer.close();
            }
        }
        if (progress != null) progress.end();
        else if (!opened) System.getLogger("io.specprefill.udf.task").log(System.Logger.Level.INFO, label + ": no rows");
    }
}
