package io.specprefill.job;

import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.config.JobConfig;
import io.specprefill.job.io.InputReader;
import io.specprefill.job.io.PromptBuilder;
import io.specprefill.job.stage.Fingerprint;
import io.specprefill.job.stage.RunFolder;
import io.specprefill.udf.generate.GenerationParams;
import io.specprefill.udf.prefill.PrefillParams;
import io.specprefill.udf.task.ModelPreflight;
import io.specprefill.udf.task.PromptParams;
import io.specprefill.udf.task.TaskSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A checked job: flags, config, what executors get, the prompt templates, the input's format, and
 * the fingerprints of the files the stages read. {@link #prepare} does every driver-side check
 * (flags, input format, output folder, templates, model directories and vocabularies, and with
 * {@code --resume} that the finished checkpoints were made from these files and settings), so a
 * user error fails before Spark starts and before anything is written. The config's records were
 * checked when it was read; they go into {@link #task()} as they are.
 *
 * @param inputFormat jsonl, parquet or arrow: the flag's, or the one the files' extensions say
 * @param files       the input's and the models' {@link Fingerprint}s
 */
public record JobPlan(JobArgs args, JobConfig config, TaskSettings task, PromptBuilder prompts, String inputFormat,
                      Fingerprint.Entries files) {

    public static JobPlan prepare(JobArgs args, JobConfig config) {
        require(args.input() != null, "--input is required");
        require(args.output() != null, "--output is required");
        require(args.target() != null, "--target is required");
        require(Files.exists(args.input()), "--input " + args.input() + ": no such file or folder");
        require(Files.isDirectory(args.target()), "--target " + args.target() + ": not a model directory");
        require(args.draft() != null || config.prefill().keepsEverything(), "--draft is required when keep="
                + config.prefill().keep() + " < 1 (pass --draft none for the no-draft baseline)");
        require(args.noDraft() || Files.isDirectory(Path.of(args.draft())),
                "--draft " + args.draft() + ": not a model directory (or none)");
        String inputFormat = args.inputFormat().equals("auto") ? InputReader.detectFormat(args.input()) : args.inputFormat();
        RunFolder folder = new RunFolder(args.output());
        folder.checkFolder();
        if (!args.resume()) {
            folder.checkFresh();
        }
        TaskSettings task = taskSettings(args.noDraft() ? null : Path.of(args.draft()), args.target(), config);
        PromptBuilder prompts = PromptBuilder.fromConfig(config);
        ModelPreflight.check(task);
        JobPlan plan = new JobPlan(args, config, task, prompts, inputFormat, fingerprints(args, task));
        if (args.resume() && folder.finished(folder.stage1(), plan.stage1Settings(), plan.files().modified())) {
            folder.finished(folder.stage2(), plan.stage2Settings(), plan.files().modified());
        }
        return plan;
    }

    /**
     * What the stages read: the input's data files, the draft's files (weights too), and the target's
     * (its tokenizer, config and template shape stage 1; its weights only stage 2).
     */
    private static Fingerprint.Entries fingerprints(JobArgs args, TaskSettings task) {
        Fingerprint.Entries files = Fingerprint.input(args.input());
        if (!task.speculationOff()) {
            files = files.and(Fingerprint.model("draft", Path.of(task.draftDir()), true));
        }
        return files.and(Fingerprint.model("target", Path.of(task.targetDir()), true));
    }

    /** What executors get: absolute model paths and the config's records as they are; draft null: none. */
    public static TaskSettings taskSettings(Path draft, Path target, JobConfig c) {
        return new TaskSettings(draft == null ? null : draft.toAbsolutePath().toString(),
                target.toAbsolutePath().toString(), c.backend(), c.prefill(), c.generation(), c.prompts(), c.batches(),
                c.weights());
    }

    /**
     * What stage 1's rows depend on: the settings, and the fingerprints of the input and of the model
     * files stage 1 reads. A checkpoint made with other values is not reused.
     */
    public Map<String, String> stage1Settings() {
        PrefillParams p = config.prefill();
        PromptParams prompts = config.prompts();
        Map<String, String> s = new LinkedHashMap<>();
        s.put("input", args.input().toAbsolutePath().normalize().toString());
        s.put("input_format", inputFormat);
        s.put("draft", String.valueOf(task.draftDir()));
        s.put("target", task.targetDir());
        s.put("keep", String.valueOf(p.keep()));
        s.put("chunk_size", String.valueOf(p.chunkSize()));
        s.put("pool_kernel", String.valueOf(p.poolKernel()));
        s.put("lookahead", String.valueOf(p.lookahead()));
        s.put("keep_tail", String.valueOf(p.keepTail()));
        s.put("chat_template", String.valueOf(prompts.chatTemplate()));
        s.put("max_prompt_tokens", String.valueOf(prompts.maxPromptTokens()));
        s.put("truncate_middle", String.valueOf(prompts.truncateMiddle()));
        s.put("prompt_template", String.valueOf(config.promptTemplate()));
        s.put("dataset_max_new_tokens", String.valueOf(config.datasetMaxNewTokens()));
        s.put("allow_duplicate_ids", String.valueOf(config.allowDuplicateIds()));
        if (config.weights().draft() != io.specprefill.udf.model.WeightsDtype.AUTO) {
            s.put("draft_weights_dtype", config.weights().draft().key());   // absent at auto: older checkpoints stay reusable
        }
        files.entries().forEach((key, value) -> {
            if (!isTargetWeights(key)) s.put(key, value);
        });
        return s;
    }

    /** The target's weights shape stage 2's rows, not stage 1's. */
    private static boolean isTargetWeights(String key) {
        return key.startsWith("target file ") && key.endsWith(".safetensors");
    }

    /** What stage 2's rows depend on: stage 1's settings plus generation's. */
    public Map<String, String> stage2Settings() {
        Map<String, String> s = stage1Settings();
        GenerationParams g = config.generation();
        s.put("max_new_tokens", String.valueOf(g.maxNewTokens()));
        s.put("temperature", String.valueOf(g.temperature()));
        s.put("top_p", String.valueOf(g.topP()));
        s.put("seed", String.valueOf(g.seed()));
        s.put("stop_strings", String.valueOf(g.stopStrings()));
        if (config.weights().target() != io.specprefill.udf.model.WeightsDtype.AUTO) {
            s.put("target_weights_dtype", config.weights().target().key());
        }
        files.entries().forEach((key, value) -> {
            if (isTargetWeights(key)) s.put(key, value);
        });
        return s;
    }

    /** config.yaml of the run: the flags as comments, then every key resolved (usable as --config). */
    public String resolvedYaml() {
        return "# specprefill run: --input " + args.input() + " --draft " + (args.draft() == null ? "none" : args.draft())
                + " --target " + args.target() + " --output " + args.output() + " --output-format "
                + args.outputFormat() + (args.config() == null ? "" : " --config " + args.config())
                + (args.sets().isEmpty() ? "" : " --set " + String.join(" --set ", args.sets())) + "\n"
                + ConfigLoader.toYaml(config);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
