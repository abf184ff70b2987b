package io.specprefill.job.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.specprefill.job.config.Command;
import io.specprefill.job.config.Flags;
import io.specprefill.job.config.Flags.UsageException;
import io.specprefill.job.eval.ruler.RulerData;
import io.specprefill.job.eval.ruler.RulerGenerator;
import io.specprefill.job.eval.ruler.RulerSample;
import io.specprefill.job.eval.ruler.RulerTasks;
import io.specprefill.job.eval.ruler.RulerTemplates;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.io.BufferedWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * {@code specprefill ruler-generate --task T --length L --tokenizer DIR --samples N --out FILE}:
 * RULER rows as job input JSONL, one a line: {@code id, prompt} (the model's whole input: model
 * template, task, answer prefix), {@code outputs} and {@code answers} (the references),
 * {@code task}, {@code dataset} (= task, so the run summary scores per task), {@code length}
 * (RULER's: prompt tokens + tokens to generate) and {@code max_new_tokens}.
 */
public final class RulerGenerateCommand {
    private RulerGenerateCommand() {
    }

    static final String USAGE = String.join("\n",
            "usage: specprefill ruler-generate --task T --length L --tokenizer DIR --samples N --out FILE",
            "                                 [--data-dir DIR] [--templates FILE] [--seed S] [--model-template NAME]",
            "  --task T             one of " + RulerTasks.names(),
            "  --length L           target length in tokens, tokens to generate included (RULER's max_seq_length)",
            "  --tokenizer DIR      the target model's directory (or its tokenizer.json): lengths are its tokens",
            "  --samples N          rows to write",
            "  --out FILE           the JSONL file to write",
            "  --data-dir DIR       RULER's inputs: PaulGrahamEssays.json, wonderwords/*.txt, templates.json",
            "  --templates FILE     RULER's templates as JSON (default: DATA_DIR/templates.json)",
            "  --seed S             random seed (default 42, RULER's)",
            "  --model-template M   a key of the templates' model_templates (default base: the task text alone)");

    /** Parsed flags. */
    record Options(String task, int length, Path tokenizer, int samples, Path out, Path dataDir, Path templates,
                   long seed, String modelTemplate) {
    }

    /** The flags, and the tokenizer that measures lengths. */
    record Ready(Options options, Tokenizer tokenizer) {
    }

    static final Command<Ready> COMMAND = new Command<>("ruler-generate", USAGE, args -> {
        Options o = parse(args);
        return new Ready(o, Tokenizer.load(o.tokenizer()));
    }, (ready, out, err) -> {
        int rows = run(ready.options(), text -> ready.tokenizer().encode(text, false).length, err);
        err.println("ruler-generate: wrote " + rows + " rows to " + ready.options().out());
    });

    /** Throws {@link UsageException} naming the flag. */
    static Options parse(String[] args) {
        String task = null;
        Integer length = null;
        Integer samples = null;
        Path tokenizer = null;
        Path out = null;
        Path dataDir = null;
        Path templates = null;
        long seed = 42;
        String modelTemplate = "base";
        Flags f = new Flags(args);
        while (f.next()) {
            switch (f.flag()) {
                case "--task" -> task = f.value();
                case "--length" -> length = positive(f);
                case "--samples" -> samples = positive(f);
                case "--tokenizer" -> tokenizer = f.path();
                case "--out" -> out = f.path();
                case "--data-dir" -> dataDir = f.path();
                case "--templates" -> templates = f.path();
                case "--seed" -> seed = f.longValue();
                case "--model-template" -> modelTemplate = f.value();
                default -> throw f.unknown();
            }
        }
        if (task == null || length == null || samples == null || tokenizer == null || out == null) {
            throw new UsageException("--task, --length, --tokenizer, --samples and --out are required");
        }
        if (templates == null && dataDir == null) {
            throw new UsageException("give --data-dir (with templates.json) or --templates");
        }
        return new Options(task, length, tokenizer, samples, out, dataDir,
                templates != null ? templates : dataDir.resolve("templates.json"), seed, modelTemplate);
    }

    private static int positive(Flags f) {
        int n = f.intValue();
        if (n <= 0) throw new UsageException(f.flag() + " must be a positive integer, got '" + n + "'");
        return n;
    }

    /** Generates and writes the rows; returns how many. Progress goes to {@code log}. */
    static int run(Options o, ToIntFunction<String> tokens, PrintStream log) throws Exception {
        RulerTemplates templates = RulerTemplates.load(o.templates());
        RulerGenerator gen = RulerTasks.create(o.task(), templates, o.modelTemplate(), new RulerData(o.dataDir()),
                tokens, o.seed());
        log.println("ruler-generate: " + o.task() + " at " + o.length() + " tokens, " + o.samples() + " rows...");
        List<RulerSample> rows = gen.generate(o.length(), o.samples());
        int maxNewTokens = templates.task(taskKey(o.task())).tokensToGenerate();
        ObjectMapper json = new ObjectMapper();
        if (o.out().toAbsolutePath().getParent() != null) {
            Files.createDirectories(o.out().toAbsolutePath().getParent());
        }
        try (BufferedWriter w = Files.newBufferedWriter(o.out(), StandardCharsets.UTF_8)) {
            for (int i = 0; i < rows.size(); i++) {
                RulerSample s = rows.get(i);
                ObjectNode row = json.createObjectNode();
                row.put("id", o.task() + "-" + o.length() + "-" + i);
                row.put("prompt", s.prompt());
                row.set("outputs", json.valueToTree(s.outputs()));
                row.set("answers", json.valueToTree(s.outputs()));
                row.put("task", o.task());
                row.put("dataset", o.task());
                row.put("length", s.length());
                row.put("max_new_tokens", maxNewTokens);
                w.write(json.writeValueAsString(row));
                w.newLine();
            }
        }
        return rows.size();
    }

    /** The templates.json key of a task name. */
    static String taskKey(String task) {
        if (task.startsWith("niah")) {
            return "niah";
        }
        return switch (task) {
            case "vt" -> "variable_tracking";
            case "cwe" -> "common_words_extraction";
            case "fwe" -> "freq_words_extraction";
            default -> task;
        };
    }
}
