package io.specprefill.job.cli;

import io.specprefill.job.config.Command;
import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.Flags;
import io.specprefill.job.config.Flags.UsageException;
import io.specprefill.job.config.JobConfig;
import io.specprefill.job.eval.niah.NiahEval;
import io.specprefill.job.eval.niah.NiahExplain;
import io.specprefill.job.eval.niah.NiahRow;
import io.specprefill.job.eval.niah.NiahTable;
import io.specprefill.udf.llama.Backends;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code specprefill eval-niah}: needle-in-a-haystack quality of a draft/target pair, without Spark
 * (runs on an offline GPU box from the bundle). Prints a Markdown table ({@link NiahTable}) of RULER
 * string_match_all accuracy per keep rate and look-ahead, with the target alone and the draft alone
 * as references; progress goes to stderr.
 */
public final class EvalNiahCommand {
    private EvalNiahCommand() {
    }

    static final String USAGE = String.join("\n",
            "usage: specprefill eval-niah --data FILE [FILE...] [flags]",
            "  --data FILE...          needle rows (JSONL: id, prompt, answers, needles), e.g. shared/data/niah/niah-1k.jsonl",
            "  --draft DIR             draft model (default: models/niah-draft of the install)",
            "  --target DIR            target model (default: models/niah-target of the install)",
            "  --keeps P,P,...         keep rates (default 0.1,0.3,0.5,0.7,0.9)",
            "  --lookaheads A,A,...    look-aheads (default 1,8)",
            "  --limit N               first N rows of each file (default 0: all)",
            "  --backend B             cpu, cuda or auto (default auto)",
            "  --max-new-tokens N      generation limit (default 12)",
            "  --batch-size N          prompts per draft and target batch (default 1: TTFT is one prompt's latency)",
            "  --set KEY=VALUE         any other job config key (chunk_size, pool_kernel, keep_tail, ...); repeatable",
            "  --no-references         skip the target-alone and draft-alone runs (experiments with --set)",
            "  --explain               for every wrong row of a speculative run: needle position, kept chunks, output",
            "  --out FILE              also write the table (and the explanation) to FILE");

    /** The parsed flags. */
    record Options(List<Path> data, Path draft, Path target, List<Double> keeps, List<Integer> lookaheads, int limit,
                   String backend, int maxNewTokens, int batchSize, List<String> sets, boolean references,
                   boolean explain, Path out) {
        Options {
            require(!data.isEmpty(), "--data is required (one or more JSONL files)");
            for (Path p : data) require(Files.isRegularFile(p), "--data " + p + ": no such file");
            require(Files.isDirectory(draft), "--draft " + draft + ": not a model directory");
            require(Files.isDirectory(target), "--target " + target + ": not a model directory");
            for (double p : keeps) require(p > 0 && p < 1, "--keeps " + p + ": must be in (0, 1) (keep 1 is the target alone)");
            for (int a : lookaheads) require(a >= 1, "--lookaheads " + a + ": must be >= 1");
            require(!keeps.isEmpty() && !lookaheads.isEmpty(), "--keeps and --lookaheads need at least one value");
            require(limit >= 0, "--limit " + limit + ": must be >= 0");
            require(maxNewTokens >= 1, "--max-new-tokens " + maxNewTokens + ": must be >= 1");
            require(batchSize >= 1, "--batch-size " + batchSize + ": must be >= 1");
        }
    }

    /** The flags, the job config they make (chunk_size, pool_kernel, ... from --set), and the command line. */
    record Ready(Options options, JobConfig base, String[] args) {
    }

    /** Exit status 2 for bad flags, config, paths, rows or models, 1 for a failure while evaluating ({@link Command}). */
    static final Command<Ready> COMMAND = new Command<>("eval-niah", USAGE, args -> {
        // One line per task log record on stderr (JUL's default spends two lines on each).
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        }
        Options o = parse(args, Cli.home());
        List<String> sets = new ArrayList<>(o.sets());
        sets.addAll(List.of("backend=" + o.backend(), "max_new_tokens=" + o.maxNewTokens(),
                "draft_batch_size=" + o.batchSize(), "target_batch_size=" + o.batchSize()));
        return new Ready(o, ConfigLoader.load(null, sets), args);
    }, (ready, out, err) -> evaluate(ready.options(), ready.base(), ready.args(), out, err));

    private static void evaluate(Options o, JobConfig base, String[] args, PrintStream out, PrintStream err) {
        List<NiahRow> rows = new ArrayList<>();
        for (Path file : o.data()) rows.addAll(NiahRow.read(file, o.limit()));
        NiahEval.Options options = new NiahEval.Options(o.draft(), o.target(), base);
        NiahEval eval = new NiahEval(options);
        List<NiahEval.Config> configs = NiahEval.configs(o.keeps(), o.lookaheads());
        if (!o.references()) {
            configs = configs.stream().filter(c -> c.kind() == NiahEval.Kind.SPECULATIVE).toList();
        }
        List<NiahEval.Result> results = eval.run(rows, configs, err);
        Backends.Choice backend = Backends.choose(base.backend(), -1);
        String report = String.format(Locale.ROOT, "%s, backend %s (%s), %d rows, draft %s, target %s, chunk %d, pool %d, "
                        + "keep_tail %d, max_new_tokens %d, batch %d%n`specprefill eval-niah %s`%n%n", LocalDate.now(),
                backend.key(), backend.why(), rows.size(), o.draft(), o.target(), base.prefill().chunkSize(),
                base.prefill().poolKernel(), base.prefill().keepTail(), base.generation().maxNewTokens(), o.batchSize(), String.join(" ", args))
                + NiahTable.format(results);
        if (o.explain()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            new NiahExplain(eval, options).explain(results, new PrintStream(buf, true, StandardCharsets.UTF_8));
            report += buf.toString(StandardCharsets.UTF_8);
        }
        out.print(report);
        if (o.out() != null) {
            try {
                Files.writeString(o.out(), report);
            } catch (IOException e) {
                throw new IllegalStateException("--out " + o.out() + ": cannot write: " + e.getMessage(), e);
            }
        }
    }

    static Options parse(String[] args, Path home) {
        List<Path> data = new ArrayList<>();
        List<String> sets = new ArrayList<>();
        Path draft = home.resolve("models/niah-draft");
        Path target = home.resolve("models/niah-target");
        Path out = null;
        List<Double> keeps = List.of(0.1, 0.3, 0.5, 0.7, 0.9);
        List<Integer> lookaheads = List.of(1, 8);
        int limit = 0, maxNew = 12, batch = 1;
        String backend = "auto";
        boolean explain = false;
        boolean references = true;
        Flags f = new Flags(args);
        while (f.next()) {
            f.requireFlag();
            switch (f.flag()) {
                case "--explain" -> {
                    f.noValue();
                    explain = true;
                }
                case "--no-references" -> {
                    f.noValue();
                    references = false;
                }
                case "--data" -> {
                    data.add(f.path());
                    f.moreValues().forEach(more -> data.add(Path.of(more)));
                }
                case "--draft" -> draft = f.path();
                case "--target" -> target = f.path();
                case "--keeps" -> keeps = f.list(Double::parseDouble);
                case "--lookaheads" -> lookaheads = f.list(Integer::parseInt);
                case "--limit" -> limit = f.intValue();
                case "--backend" -> backend = f.value();
                case "--max-new-tokens" -> maxNew = f.intValue();
                case "--batch-size" -> batch = f.intValue();
                case "--set" -> sets.add(f.value());
                case "--out" -> out = f.path();
                default -> throw f.unknown();
            }
        }
        return new Options(data, draft, target, keeps, lookaheads, limit, backend, maxNew, batch, sets, references,
                explain, out);
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new UsageException(message);
    }
}
