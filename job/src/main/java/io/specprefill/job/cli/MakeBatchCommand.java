package io.specprefill.job.cli;

import io.specprefill.job.config.Command;
import io.specprefill.job.config.Flags;
import io.specprefill.job.config.Flags.UsageException;
import io.specprefill.job.make.LongBenchBatch;
import io.specprefill.udf.Timer;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code specprefill make-batch --data DIR --tokenizer MODEL_DIR --out FILE}: a LongBench-shaped
 * batch of long prompts whose token counts spread evenly over a range ({@link LongBenchBatch}),
 * as job input JSONL.
 */
public final class MakeBatchCommand {
    private MakeBatchCommand() {
    }

    static final String USAGE = String.join("\n",
            "usage: specprefill make-batch --data DIR --tokenizer DIR --out FILE [--count 64] [--min-tokens 4096]",
            "                              [--max-tokens 32768] [--max-new-tokens 32] [--seed 0] [--templates FILE]",
            "  --data DIR            a folder of LongBench JSONL files (rows with context and input), e.g.",
            "                        ../shared/data/longbench; its config/dataset2prompt.json gives the templates",
            "  --tokenizer DIR       the target model's directory (or its tokenizer.json): lengths are its tokens,",
            "                        counted as the job counts them (BOS included, no chat template)",
            "  --out FILE            the JSONL file to write (id, prompt, dataset, answers, length = N, max_new_tokens)",
            "  --count N             prompts (default 64)",
            "  --min-tokens N        shortest prompt, in tokens (default 4096)",
            "  --max-tokens N        longest prompt (default 32768); lengths are spread evenly between the two",
            "  --max-new-tokens N    each row's max_new_tokens (default 32)",
            "  --seed S              the contexts' order and the rows' order (default 0)",
            "  --templates FILE      LongBench's dataset2prompt.json (default: DATA/config/, else a generic template)");

    /** The flags: the batch's options and where the tokenizer is. */
    record Parsed(LongBenchBatch.Options options, Path tokenizer) {
    }

    /** The options and the tokenizer that measures lengths. */
    record Ready(LongBenchBatch.Options options, Tokenizer tokenizer) {
    }

    static final Command<Ready> COMMAND = new Command<>("make-batch", USAGE, args -> {
        Parsed p = parse(args);
        return new Ready(p.options(), Tokenizer.load(p.tokenizer()));
    }, (ready, out, err) -> {
        Timer t = Timer.start();
        LongBenchBatch.Options o = ready.options();
        List<LongBenchBatch.Prompt> prompts = LongBenchBatch.make(o, ready.tokenizer(), err);
        LongBenchBatch.write(prompts, o.out(), o.maxNewTokens());
        long tokens = prompts.stream().mapToLong(LongBenchBatch.Prompt::tokens).sum();
        out.printf(Locale.ROOT, "make-batch: wrote %d prompts (%d tokens in all) to %s in %.1f s%n", prompts.size(),
                tokens, o.out(), t.seconds());
    });

    static Parsed parse(String[] args) {
        Path data = null;
        Path out = null;
        Path templates = null;
        Path tok = null;
        int count = 64;
        int min = 4096;
        int max = 32768;
        int maxNew = 32;
        long seed = 0;
        Flags f = new Flags(args);
        while (f.next()) {
            switch (f.flag()) {
                case "--data" -> data = f.path();
                case "--tokenizer" -> tok = f.path();
                case "--out" -> out = f.path();
                case "--templates" -> templates = f.path();
                case "--count" -> count = positive(f);
                case "--min-tokens" -> min = positive(f);
                case "--max-tokens" -> max = positive(f);
                case "--max-new-tokens" -> maxNew = positive(f);
                case "--seed" -> seed = f.longValue();
                default -> throw f.unknown();
            }
        }
        if (data == null || tok == null || out == null) throw new UsageException("--data, --tokenizer and --out are required");
        if (min > max) throw new UsageException("--min-tokens " + min + " is above --max-tokens " + max);
        return new Parsed(new LongBenchBatch.Options(data, count, min, max, maxNew, seed, out, templates), tok);
    }

    private static int positive(Flags f) {
        int n = f.intValue();
        if (n <= 0) throw new UsageException(f.flag() + " must be a positive integer, got '" + n + "'");
        return n;
    }
}
