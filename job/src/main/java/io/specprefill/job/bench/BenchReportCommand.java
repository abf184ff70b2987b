package io.specprefill.job.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.config.Command;
import io.specprefill.job.config.Flags;
import io.specprefill.job.config.Flags.UsageException;
import io.specprefill.udf.Timer;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code specprefill bench-report --runs DIR...}: the tables of a job benchmark
 * ({@link JobBenchReport}) from the run folders {@code scripts/job-bench.sh} leaves, the first the
 * baseline. With {@code --batch FILE --tokenizer DIR} it also times the batch's tokenization apart.
 */
public final class BenchReportCommand {
    private BenchReportCommand() {
    }

    static final String USAGE = String.join("\n",
            "usage: specprefill bench-report --runs DIR... [--batch FILE --tokenizer DIR] [--out FILE]",
            "  --runs DIR...      run folders of scripts/job-bench.sh (run.json, job.log, gpu.csv, out/), the baseline first",
            "  --batch FILE       the batch's JSONL (with --tokenizer: time its tokenization on one thread)",
            "  --tokenizer DIR    the target model's directory",
            "  --out FILE         also write the tables there");

    /** Parsed flags. */
    public record Options(List<Path> runs, Path batch, Path tokenizer, Path out) {
    }

    public static final Command<Options> COMMAND = new Command<>("bench-report", USAGE, BenchReportCommand::parse,
            (o, out, err) -> {
                String report = JobBenchReport.format(JobBenchReport.read(o.runs()),
                        o.batch() == null ? -1 : tokenizeSeconds(o.batch(), o.tokenizer()));
                out.print(report);
                if (o.out() != null) Files.writeString(o.out(), report, StandardCharsets.UTF_8);
            });

    static Options parse(String[] args) {
        List<Path> runs = new ArrayList<>();
        Path batch = null;
        Path tokenizer = null;
        Path out = null;
        Flags f = new Flags(args);
        while (f.next()) {
            switch (f.flag()) {
                case "--runs" -> {
                    runs.add(f.path());
                    f.moreValues().forEach(v -> runs.add(Path.of(v)));
                }
                case "--batch" -> batch = f.path();
                case "--tokenizer" -> tokenizer = f.path();
                case "--out" -> out = f.path();
                default -> throw f.unknown();
            }
        }
        if (runs.isEmpty()) throw new UsageException("--runs is required");
        if ((batch == null) != (tokenizer == null)) throw new UsageException("--batch and --tokenizer go together");
        for (Path r : runs) {
            if (!Files.isRegularFile(r.resolve("run.json"))) {
                throw new IllegalArgumentException("--runs " + r + ": no run.json (not a folder of scripts/job-bench.sh)");
            }
        }
        return new Options(List.copyOf(runs), batch, tokenizer, out);
    }

    /** Seconds to encode every prompt of the batch as the job does (BOS added, no chat template), one thread. */
    static double tokenizeSeconds(Path batch, Path tokenizerDir) {
        Tokenizer tok = Tokenizer.load(tokenizerDir);
        ObjectMapper json = new ObjectMapper();
        List<String> prompts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(batch, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) prompts.add(json.readTree(line).path("prompt").asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(batch + ": " + e.getMessage(), e);
        }
        Timer t = Timer.start();
        for (String p : prompts) tok.encode(p, true);
        return t.seconds();
    }
}
