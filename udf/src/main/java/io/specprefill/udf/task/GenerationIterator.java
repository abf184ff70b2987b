package io.specprefill.udf.task;

import io.specprefill.udf.generate.Generation;
import io.specprefill.udf.generate.GenerationParams;
import io.specprefill.udf.generate.Generator;
import io.specprefill.udf.generate.MemoryPlan;
import io.specprefill.udf.generate.Request;
import io.specprefill.udf.generate.StopCondition;
import io.specprefill.udf.llama.Backends;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Stage 2 (design.md 5) over one partition: kept tokens in, generations out, one per row in input
 * order. The K kept tokens of each row are prefilled at their original positions and generation
 * continues at position N ({@link Generator}), a target batch at a time. A row with an error (from
 * stage 1, or a stage-1 row that cannot become a request) gets a result with that error.
 *
 * <p>Output text: the generated ids decoded without special tokens, cut before the first stop
 * string when one stopped it (the ids keep every generated token, the one completing the stop
 * string included; an EOS is never in the ids). Sampling: greedy at temperature 0, else
 * temperature + top-p seeded per row with {@code seed + id.hashCode()}, so a row samples the same
 * tokens whatever partition or batch it lands in.
 */
public final class GenerationIterator
        extends BatchingIterator<ScoredPrompt, GenerationIterator.Work, GenerationResult> {
    private static final System.Logger LOG = System.getLogger("io.specprefill.udf.task");

    /** A row and its request, or why it has none. */
    record Work(ScoredPrompt row, Request request, String error) {
    }

    private final TaskSettings settings;
    private final GenerationParams params;
    private final int deviceOrdinal;
    private Tokenizer tokenizer;
    private Generator generator;
    private MemoryPlan plan;
    private String deviceName;

    /**
     * @param deviceOrdinal the GPU Spark assigned (-1: none; "cuda" then uses 0)
     * @param label         e.g. "stage 2 partition 3/64", the prefix of this task's log lines
     */
    public GenerationIterator(TaskSettings settings, Iterator<ScoredPrompt> rows, int deviceOrdinal, String label) {
        super(rows, settings.batches().target(), label);
        this.settings = settings;
        this.params = settings.generation();
        this.deviceOrdinal = deviceOrdinal;
    }

    @Override
    String open() {
        Path targetDir = Path.of(settings.targetDir());
        Backends.Choice choice = openBackend(settings.backend(), deviceOrdinal);
        tokenizer = ModelCache.tokenizer(targetDir);
        LlamaModel target = ModelCache.model(targetDir, choice, settings.weights().target());
        synchronized (device) { // allocates this task's buffers on the shared backend
            generator = new Generator(target);
            plan = generator.memoryPlan();
            long[] memory = target.backend.memoryInfo();
            LOG.log(System.Logger.Level.INFO, label() + ": " + plan.describe(memory[0], memory[1], choice.key()));
        }
        deviceName = choice.key();
        return "backend " + choice.key() + " (" + choice.brief() + "), target " + settings.targetDir()
                + ", max_new_tokens " + params.maxNewTokens() + (params.temperature() == 0 ? ", greedy"
                : ", temperature " + params.temperature() + ", top_p " + params.topP());
    }

    @Override
    Work prepare(ScoredPrompt row) {
        if (row.error() != null) return new Work(row, null, row.error());
        Request request;
        try {
            request = request(row);
        } catch (RuntimeException e) {
            return new Work(row, null, "bad stage 1 row: " + e.getMessage());
        }
        // The memory plan: a request that cannot fit alone fails here, with the arithmetic, rather than
        // running out of memory half way (a batch that fits only row by row is retried row by row).
        long available;
        synchronized (device) {
            available = generator.bytesAvailable();
        }
        if (!plan.fits(request.kept(), request.maxNewTokens(), available)) {
            return new Work(row, null, "memory plan: " + plan.whyNot(request.kept(), request.maxNewTokens(), available,
                    deviceName));
        }
        return new Work(row, request, null);
    }

    @Override
    GenerationResult done(Work w) {
        return w.error() == null ? null : failed(w.row(), w.error());
    }

    @Override
    List<GenerationResult> run(List<Work> batch) {
        List<Request> requests = batch.stream().map(Work::request).toList();
        List<Generation> gens;
        synchronized (device) {
            gens = generator.generate(requests);
        }
        List<GenerationResult> out = new ArrayList<>(batch.size());
        for (int j = 0; j < batch.size(); j++) out.add(result(batch.get(j).row(), gens.get(j), batch.size()));
        return out;
    }

    @Override
    GenerationResult failed(Work w, Throwable error) {
        return failed(w.row(), "generation failed: " + error);
    }

    @Override
    void release() {
        if (generator != null) {
            synchronized (device) {
                generator.close();
            }
        }
    }

    private Request request(ScoredPrompt row) {
        int maxNew = row.source().maxNewTokens() > 0 ? row.source().maxNewTokens() : params.maxNewTokens();
        if (row.keptIds() == null || row.keptPositions() == null) {
            throw new IllegalArgumentException("kept ids or positions missing");
        }
        StopCondition stop = StopCondition.onText(ids -> tokenizer.decode(ids, true), params.stopStrings());
        return new Request(row.keptIds(), row.keptPositions(), row.promptTokens(), maxNew,
                params.sampler(row.source().id()), stop);
    }

    /** @param batchSize prompts in the target batch (prefill and ttft are the batch's) */
    private GenerationResult result(ScoredPrompt row, Generation g, int batchSize) {
        String text = cutAtStop(tokenizer.decode(g.ids(), true));
        int n = row.promptTokens();
        int k = row.keptTokens();
        return new GenerationResult(row.source(), text, g.ids(), n, k, n > 0 ? (double) k / n : 0, row.draftMs(),
                g.prefillMs(), row.draftMs() + g.ttftMs(), g.decodeMs(), row.draftBatch(), batchSize, null);
    }

    /** The text before the earliest stop string, or all of it. */
    String cutAtStop(String text) {
        int cut = text.length();
        for (String s : params.stopStrings()) {
            int at = text.indexOf(s);
            if (at >= 0) cut = Math.min(cut, at);
        }
        return text.substring(0, cut);
    }

    private static GenerationResult failed(ScoredPrompt row, String error) {
        int n = row.promptTokens();
        int k = row.keptTokens();
        return new GenerationResult(row.source(), null, null, n, k, n > 0 ? (double) k / n : 0, row.draftMs(), 0, 0, 0,
                row.draftBatch(), 0, error);
    }
}
