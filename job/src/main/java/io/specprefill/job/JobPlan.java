package io.specprefill.job;

import io.specprefill.job.config.ConfigLoader;
import io.specprefill.job.config.JobArgs;
import io.specprefill.job.config.JobConfig;
import io.specprefill.job.io.PromptBuilder;
import io.specprefill.job.stage.RunFolder;
import io.specprefill.udf.task.ModelCheck;
import io.specprefill.udf.task.TaskSettings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A checked job: flags, config, what executors get, and the prompt templates. {@link #prepare}
 * does every driver-side check (flags, output folder, templates, model directories and
 * vocabularies), so a bad config or model fails before Spark runs any task.
 */
public record JobPlan(JobArgs args, JobConfig config, TaskSettings task, PromptBuilder prompts) {

    public static JobPlan prepare(JobArgs args, JobConfig config) {
        args.checkForRun(config);
        if (!args.resume()) {
            new RunFolder(args.output()).checkFresh();
        }
        TaskSettings task = args.taskSettings(config);
        PromptBuilder prompts = PromptBuilder.fromConfig(config);
        ModelCheck.check(task);
        return new JobPlan(args, config, task, prompts);
    }

    /** What stage 1's rows depend on: a checkpoint made with other values is not reused. */
    public Map<String, String> stage1Settings() {
        JobConfig c = config;
        Map<String, String> s = new LinkedHashMap<>();
        s.put("input", args.input().toAbsolutePath().normalize().toString());
        s.put("input_format", args.inputFormat());
        s.put("draft", String.valueOf(task.draftDir()));
        s.put("target", task.targetDir());
        s.put("keep", String.valueOf(c.keep()));
        s.put("chunk_size", String.valueOf(c.chunkSize()));
        s.put("pool_kernel", String.valueOf(c.poolKernel()));
        s.put("lookahead", String.valueOf(c.lookahead()));
        s.put("keep_tail", String.valueOf(c.keepTail()));
        s.put("chat_template", String.valueOf(c.chatTemplate()));
        s.put("max_prompt_tokens", String.valueOf(c.maxPromptTokens()));
        s.put("truncate_middle", String.valueOf(c.truncateMiddle()));
        s.put("prompt_template", String.valueOf(c.promptTemplate()));
        s.put("dataset_max_new_tokens", String.valueOf(c.datasetMaxNewTokens()));
        return s;
    }

    /** What stage 2's rows depend on: stage 1's settings plus generation's. */
    public Map<String, String> stage2Settings() {
        Map<String, String> s = stage1Settings();
        JobConfig c = config;
        s.put("max_new_tokens", String.valueOf(c.maxNewTokens()));
        s.put("temperature", String.valueOf(c.temperature()));
        s.put("top_p", String.valueOf(c.topP()));
        s.put("seed", String.valueOf(c.seed()));
        s.put("stop_strings", String.valueOf(c.stopStrings()));
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
}
