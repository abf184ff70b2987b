package io.specprefill.job.eval.niah;

import io.specprefill.job.JobPlan;
import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobConfig;
import io.specprefill.job.eval.ruler.RulerScorer;
import io.specprefill.udf.Timer;
import io.specprefill.udf.task.GenerationIterator;
import io.specprefill.udf.task.GenerationResult;
import io.specprefill.udf.task.PromptRecord;
import io.specprefill.udf.task.ScoredPrompt;
import io.specprefill.udf.task.ScoringIterator;
import io.specprefill.udf.task.TaskSettings;
import io.specprefill.udf.tokenizer.ChatTemplate;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Runs needle rows through the shipped pair without Spark: each configuration is stage 1
 * ({@link ScoringIterator}) then stage 2 ({@link GenerationIterator}) over all rows, in this JVM.
 * Models come from the tasks' per-JVM {@code ModelCache}, so each model loads once for the whole
 * evaluation. The references: the target alone (no draft, every token kept) and the draft alone
 * (the draft model as the generator, from the full prompt).
 *
 * <p>TTFT is the tasks' own: draft scoring wall time of the row's batch + the target's prefill of
 * its K kept tokens + the first sampled token. With batch size 1 (the default) it is one prompt's
 * latency. One row goes through every model first, untimed, so JIT compilation and device start-up
 * are not counted in the first configuration.
 */
public final class NiahEval {

    /** Which model generates and whether the draft selects: the two references and speculative prefill. */
    public enum Kind { TARGET_ALONE, DRAFT_ALONE, SPECULATIVE }

    /** One configuration of the table; keep and lookahead matter only for {@link Kind#SPECULATIVE}. */
    public record Config(Kind kind, double keep, int lookahead) {
        public String label() {
            return switch (kind) {
                case TARGET_ALONE -> "target alone (full prefill)";
                case DRAFT_ALONE -> "draft alone (full prefill)";
                case SPECULATIVE -> String.format(Locale.ROOT, "keep %.2f, lookahead %d", keep, lookahead);
            };
        }
    }

    /**
     * @param draft  the draft model directory
     * @param target the target model directory
     * @param base   chunk_size, pool_kernel, keep_tail, sampling, backend, max_new_tokens, batch sizes
     *               (keep and lookahead are set per configuration; chat_template and truncate_middle are off)
     */
    public record Options(Path draft, Path target, JobConfig base) {
    }

    /**
     * One row under one configuration.
     *
     * @param match     RULER string_match_all of the output, in [0, 1] (0 for an error row)
     * @param needleKept every token of the asked needles' numbers was among the kept tokens
     * @param sentenceKept every token of the asked needles' whole sentences was kept
     * @param kept      the kept prompt indices (ascending), null on error
     */
    public record Outcome(NiahRow row, int promptTokens, int keptTokens, boolean needleKept, boolean sentenceKept,
                          double match, double ttftMs, String output, int[] kept, String error) {
    }

    /** A configuration's outcomes in row order, with its wall time. */
    public record Result(Config config, List<Outcome> outcomes, double seconds) {
    }

    private final Options options;
    private final Tokenizer tokenizer;

    public NiahEval(Options options) {
        this.options = options;
        this.tokenizer = Tokenizer.load(options.target());
    }

    /** The references first, then every keep rate for each look-ahead, in the order given. */
    public static List<Config> configs(List<Double> keeps, List<Integer> lookaheads) {
        List<Config> out = new ArrayList<>(List.of(new Config(Kind.TARGET_ALONE, 1.0, 1),
                new Config(Kind.DRAFT_ALONE, 1.0, 1)));
        for (int a : lookaheads) {
            for (double p : keeps) {
                out.add(new Config(Kind.SPECULATIVE, p, a));
            }
        }
        return out;
    }

    /** The prompt ids every configuration sees (BOS added, no template), and where the needles are. */
    public Needles needles(NiahRow row) {
        return Needles.locate(row, ids(row), tokenizer);
    }

    public int[] ids(NiahRow row) {
        return ChatTemplate.NONE.encode(tokenizer, row.prompt());
    }

    /** Runs every configuration over {@code rows}; one progress line per configuration on {@code progress}. */
    public List<Result> run(List<NiahRow> rows, List<Config> configs, PrintStream progress) {
        List<Needles> needles = rows.stream().map(this::needles).toList();
        Timer warmUp = Timer.start();
        for (Config c : List.of(new Config(Kind.TARGET_ALONE, 1, 1), new Config(Kind.DRAFT_ALONE, 1, 1),
                new Config(Kind.SPECULATIVE, 0.5, 2))) {
            run(settings(c), rows.subList(0, 1), "eval-niah warm-up");
        }
        progress.printf(Locale.ROOT, "eval-niah: models loaded and warmed up in %.1f s%n", warmUp.seconds());
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            Config c = configs.get(i);
            progress.printf(Locale.ROOT, "eval-niah %d/%d: %s, %d rows ...%n", i + 1, configs.size(), c.label(), rows.size());
            Timer timer = Timer.start();
            List<Outcome> outcomes = outcomes(rows, needles, run(settings(c), rows, "eval-niah " + (i + 1)));
            Result r = new Result(c, outcomes, timer.seconds());
            results.add(r);
            progress.printf(Locale.ROOT, "eval-niah %d/%d: %s: accuracy %.2f, needle kept %.0f%%, %.1f s%n", i + 1,
                    configs.size(), c.label(), NiahTable.accuracy(outcomes), 100 * NiahTable.needleKept(outcomes),
                    r.seconds());
        }
        return results;
    }

    /** Both stages over the rows; stage 1's output is kept beside stage 2's (the kept positions). */
    private List<Pair> run(TaskSettings settings, List<NiahRow> rows, String label) {
        List<PromptRecord> records = rows.stream().map(r -> new PromptRecord(r.id(), r.prompt(), r.file(),
                r.answers(), List.of(), -1, -1, null)).toList();
        List<ScoredPrompt> scored = drain(new ScoringIterator(settings, records.iterator(), -1, label + " stage1"));
        List<GenerationResult> generated = drain(new GenerationIterator(settings, scored.iterator(), -1,
                label + " stage2"));
        List<Pair> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            out.add(new Pair(scored.get(i), generated.get(i)));
        }
        return out;
    }

    private record Pair(ScoredPrompt scored, GenerationResult generated) {
    }

    private List<Outcome> outcomes(List<NiahRow> rows, List<Needles> needles, List<Pair> pairs) {
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            NiahRow row = rows.get(i);
            ScoredPrompt s = pairs.get(i).scored();
            GenerationResult g = pairs.get(i).generated();
            if (!g.source().id().equals(row.id())) {
                throw new IllegalStateException("row " + i + ": the tasks returned " + g.source().id() + ", expected " + row.id());
            }
            if (g.error() != null) {
                out.add(new Outcome(row, g.promptTokens(), g.keptTokens(), false, false, 0, Double.NaN, null, null,
                        g.error()));
                continue;
            }
            int n = ids(row).length;
            if (s.promptTokens() != n) {
                throw new IllegalStateException(row.file() + " row " + row.id() + ": stage 1 saw " + s.promptTokens()
                        + " prompt tokens, the needle was located in " + n);
            }
            out.add(new Outcome(row, g.promptTokens(), g.keptTokens(), needles.get(i).keptIn(s.keptPositions()),
                    needles.get(i).sentencesKeptIn(s.keptPositions()), RulerScorer.matchAll(g.outputText(), row.answers()), g.ttftMs(), g.outputText(),
                    s.keptPositions(), null));
        }
        return out;
    }

    /** The job's task settings for a configuration (through the job's own config and {@link JobPlan#taskSettings}). */
    TaskSettings settings(Config c) {
        Path draft = c.kind() == Kind.SPECULATIVE ? options.draft() : null;
        Path generator = c.kind() == Kind.DRAFT_ALONE ? options.draft() : options.target();
        JobConfig config = ConfigLoader.parse(ConfigLoader.toYaml(options.base()), "eval-niah", List.of(
                "keep=" + (c.kind() == Kind.SPECULATIVE ? c.keep() : 1.0), "lookahead=" + c.lookahead(),
                "chat_template=false", "truncate_middle=false"));
        return JobPlan.taskSettings(draft, generator, config);
    }

    private static <T> List<T> drain(Iterator<T> it) {
        List<T> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.next());
        }
        return out;
    }
}
