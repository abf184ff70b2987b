package io.specprefill.udf.task;

import io.specprefill.udf.generate.Generation;
import io.specprefill.udf.generate.Generator;
import io.specprefill.udf.generate.Request;
import io.specprefill.udf.generate.Sampler;
import io.specprefill.udf.generate.StopCondition;
import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Stage 2 over one partition, one target batch at a time: the K kept tokens of each row are
 * prefilled at their original positions and generation continues at position N (SPEC.md 5, in
 * {@link Generator}). A batch that fails is retried one row at a time, so only the failing row gets
 * an error.
 *
 * <p>Output text: the generated ids decoded without special tokens, cut before the first stop
 * string when one stopped it (the ids keep every generated token, the one completing the stop
 * string included; an EOS is never in the ids). Sampling: greedy at temperature 0, else
 * temperature + top-p seeded per row with {@code seed + id.hashCode()}, so a row samples the same
 * tokens whatever partition or batch it lands in.
 */
final class GenerationIterator extends BatchingIterator<ScoredPrompt, GenerationResult> {
    private final TaskSettings settings;
    private final int deviceOrdinal;
    private final String label;
    private Progress progress;
    private Tokenizer tokenizer;
    private Generator generator;
    /** The backend the target lives on: tasks of one JVM that share it take turns (see ModelCache#backend). */
    private Object device;

    GenerationIterator(TaskSettings settings, Iterator<ScoredPrompt> rows, int deviceOrdinal, String label) {
        super(rows, settings.targetBatchSize());
        this.settings = settings;
        this.deviceOrdinal = deviceOrdinal;
        this.label = label;
    }

    @Override
    void open() {
        Path targetDir = Path.of(settings.targetDir());
        Backends.Choice choice = Backends.choose(settings.backend(), deviceOrdinal);
        tokenizer = ModelCache.tokenizer(targetDir);
        device = ModelCache.backend(choice);
        var target = ModelCache.model(targetDir, choice);
        synchronized (device) { // allocates this task's buffers on the shared backend
            generator = new Generator(target);
        }
        progress = new Progress(label, "backend " + choice.key() + " (" + choice.why() + "), target "
                + settings.targetDir() + ", max_new_tokens " + settings.maxNewTokens()
                + (settings.temperature() == 0 ? ", greedy" : ", temperature " + settings.temperature()
                + ", top_p " + settings.topP()));
    }

    @Override
    List<GenerationResult> process(List<ScoredPrompt> batch) {
        GenerationResult[] out = new GenerationResult[batch.size()];
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            ScoredPrompt row = batch.get(i);
            if (row.error() != null) out[i] = failed(row, row.error());
            else idx.add(i);
        }
        generate(batch, idx, out);
        for (GenerationResult r : out) {
            progress.row(r.keptTokens() + (r.outputIds() == null ? 0 : r.outputIds().length), r.error() != null);
            if (r.error() != null) progress.warn(r.source().id(), r.error());
        }
        progress.batchDone();
        return List.of(out);
    }

    /** Generates rows idx of the batch together; on failure, each alone. */
    private void generate(List<ScoredPrompt> batch, List<Integer> idx, GenerationResult[] out) {
        if (idx.isEmpty()) return;
        List<Request> requests = new ArrayList<>(idx.size());
        try {
            for (int i : idx) requests.add(request(batch.get(i)));
        } catch (RuntimeException e) {
            if (idx.size() == 1) {
                out[idx.get(0)] = failed(batch.get(idx.get(0)), "bad stage 1 row: " + e.getMessage());
                return;
            }
            for (int i : idx) generate(batch, List.of(i), out);
            return;
        }
        List<Generation> gens;
        try {
            synchronized (device) {
                gens = generator.generate(requests);
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            if (idx.size() == 1) {
                out[idx.get(0)] = failed(batch.get(idx.get(0)), "generation failed: " + e);
                return;
            }
            for (int i : idx) generate(batch, List.of(i), out);
            return;
        }
        for (int j = 0; j < idx.size(); j++) out[idx.get(j)] = result(batch.get(idx.get(j)), gens.get(j));
    }

    private Request request(ScoredPrompt row) {
        int maxNew = row.source().maxNewTokens() > 0 ? row.source().maxNewTokens() : settings.maxNewTokens();
        if (row.keptIds() == null || row.keptPositions() == null) {
            throw new IllegalArgumentException("kept ids or positions missing");
        }
        Sampler sampler = Sampler.of(settings.temperature(), settings.topP(),
                settings.seed() + row.source().id().hashCode());
        StopCondition stop = StopCondition.onText(ids -> tokenizer.decode(ids, true), settings.stopStrings());
        return new Request(row.keptIds(), row.keptPositions(), row.promptTokens(), maxNew, sampler, stop);
    }

    private GenerationResult result(ScoredPrompt row, Generation g) {
        String text = cutAtStop(tokenizer.decode(g.ids(), true));
        int n = row.promptTokens();
        int k = row.keptTokens();
        return new GenerationResult(row.source(), text, g.ids(), n, k, n > 0 ? (double) k / n : 0, row.draftMs(),
                g.prefillMs(), row.draftMs() + g.ttftMs(), g.decodeMs(), null);
    }

    /** The text before the earliest stop string, or all of it. */
    String cutAtStop(String text) {
        int cut = text.length();
        for (String s : settings.stopStrings()) {
            int at = text.indexOf(s);
            if (at >= 0) cut = Math.min(cut, at);
        }
        return text.substring(0, cut);
    }

    private static GenerationResult failed(ScoredPrompt row, String error) {
        int n = row.promptTokens();
        int k = row.keptTokens();
        return new GenerationResult(row.source(), null, null, n, k, n > 0 ? (double) k / n : 0, row.draftMs(), 0, 0, 0,
                error);
    }

    @Override
    void release(boolean opened) {
        if (generator != null) {
            synchronized (device) {
                generator.close();
            }
        }
        if (progress != null) progress.end();
        else if (!opened) System.getLogger("io.specprefill.udf.task").log(System.Logger.Level.INFO, label + ": no rows");
    }
}
