package io.specprefill.job.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * The job's YAML config (SPEC.md sections 4 to 6): algorithm, generation, input templates and
 * engine settings, one flat key per setting. Paths of the data and models are flags, not keys
 * ({@link JobArgs}).
 *
 * <p>A missing key (null here) takes the default written in the compact constructor, beside its
 * check; the one-line docs are the {@link JsonPropertyDescription}s, which {@link ConfigLoader#describe()}
 * prints as the keys table. A bad value throws {@link IllegalArgumentException} naming the key;
 * {@link ConfigLoader} adds the file.
 */
public record JobConfig(
        @JsonProperty("keep") @JsonPropertyDescription("p: fraction of prompt chunks the target prefills, in (0, 1]; 1 keeps every token (baseline)")
        Double keep,
        @JsonProperty("chunk_size") @JsonPropertyDescription("C: tokens per selection chunk; 0 or 1 selects single tokens")
        Integer chunkSize,
        @JsonProperty("pool_kernel") @JsonPropertyDescription("W: odd width of the average pool that smooths token importance")
        Integer poolKernel,
        @JsonProperty("lookahead") @JsonPropertyDescription("A: draft queries scored (last prompt token + A-1 greedy look-ahead tokens), >= 1")
        Integer lookahead,
        @JsonProperty("keep_tail") @JsonPropertyDescription("last prompt tokens always kept (default: chunk_size)")
        Integer keepTail,
        @JsonProperty("max_new_tokens") @JsonPropertyDescription("generation limit per prompt (a row's own max_new_tokens wins)")
        Integer maxNewTokens,
        @JsonProperty("temperature") @JsonPropertyDescription("sampling temperature; 0 is greedy")
        Double temperature,
        @JsonProperty("top_p") @JsonPropertyDescription("nucleus mass for sampling, in (0, 1]")
        Double topP,
        @JsonProperty("seed") @JsonPropertyDescription("sampling seed (each row uses seed + a hash of its id)")
        Long seed,
        @JsonProperty("stop_strings") @JsonPropertyDescription("generation stops once the text contains one of these (LongBench samsum: [\"\\n\"])")
        List<String> stopStrings,
        @JsonProperty("chat_template") @JsonPropertyDescription("wrap each prompt in the target model's own chat template (tokenizer_config.json; built-in Llama 3 where it has none)")
        Boolean chatTemplate,
        @JsonProperty("max_prompt_tokens") @JsonPropertyDescription("longest prompt accepted; 0: the target's max_position_embeddings - max_new_tokens")
        Integer maxPromptTokens,
        @JsonProperty("truncate_middle") @JsonPropertyDescription("over-long prompts keep their first and last max_prompt_tokens/2 tokens (LongBench); else the row gets an error")
        Boolean truncateMiddle,
        @JsonProperty("prompt_template") @JsonPropertyDescription("rows without 'prompt': a folder or file of LongBench's dataset2prompt.json, or one inline template with {context} and {input}")
        String promptTemplate,
        @JsonProperty("dataset_max_new_tokens") @JsonPropertyDescription("a folder or file of LongBench's dataset2maxlen.json: per-dataset max_new_tokens")
        String datasetMaxNewTokens,
        @JsonProperty("backend") @JsonPropertyDescription("cpu, cuda, or auto (cuda where a GPU is usable, else cpu)")
        String backend,
        @JsonProperty("draft_batch_size") @JsonPropertyDescription("prompts per draft batch in stage 1")
        Integer draftBatchSize,
        @JsonProperty("target_batch_size") @JsonPropertyDescription("prompts per target batch in stage 2")
        Integer targetBatchSize,
        @JsonProperty("partitions") @JsonPropertyDescription("partitions of each stage; 0: Spark's default parallelism")
        Integer partitions,
        @JsonProperty("local_gpus") @JsonPropertyDescription("without Spark GPU scheduling (local mode): task GPU = partition id modulo this; 0: none")
        Integer localGpus) {

    public static final List<String> BACKENDS = List.of("cpu", "cuda", "auto");

    public JobConfig {
        keep = orDefault(keep, 0.3);
        check(keep > 0 && keep <= 1, "keep", keep, "in (0, 1]");
        chunkSize = orDefault(chunkSize, 32);
        check(chunkSize >= 0, "chunk_size", chunkSize, ">= 0");
        poolKernel = orDefault(poolKernel, 13);
        check(poolKernel >= 1 && poolKernel % 2 == 1, "pool_kernel", poolKernel, "odd and >= 1");
        lookahead = orDefault(lookahead, 8);
        check(lookahead >= 1, "lookahead", lookahead, ">= 1");
        keepTail = orDefault(keepTail, chunkSize);
        check(keepTail >= 0, "keep_tail", keepTail, ">= 0");
        maxNewTokens = orDefault(maxNewTokens, 64);
        check(maxNewTokens >= 1, "max_new_tokens", maxNewTokens, ">= 1");
        temperature = orDefault(temperature, 0.0);
        check(temperature >= 0 && Double.isFinite(temperature), "temperature", temperature, ">= 0");
        topP = orDefault(topP, 1.0);
        check(topP > 0 && topP <= 1, "top_p", topP, "in (0, 1]");
        seed = orDefault(seed, 227L);
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        check(stopStrings.stream().noneMatch(String::isEmpty), "stop_strings",
                stopStrings.stream().map(s -> '"' + s + '"').toList(), "non-empty strings");
        chatTemplate = orDefault(chatTemplate, false);
        maxPromptTokens = orDefault(maxPromptTokens, 0);
        check(maxPromptTokens >= 0, "max_prompt_tokens", maxPromptTokens, ">= 0");
        truncateMiddle = orDefault(truncateMiddle, false);
        check(promptTemplate == null || !promptTemplate.isBlank(), "prompt_template", "''", "a path or a template");
        check(datasetMaxNewTokens == null || !datasetMaxNewTokens.isBlank(), "dataset_max_new_tokens", "''", "a path");
        backend = orDefault(backend, "auto");
        check(BACKENDS.contains(backend), "backend", backend, "one of " + BACKENDS);
        draftBatchSize = orDefault(draftBatchSize, 4);
        check(draftBatchSize >= 1, "draft_batch_size", draftBatchSize, ">= 1");
        targetBatchSize = orDefault(targetBatchSize, 4);
        check(targetBatchSize >= 1, "target_batch_size", targetBatchSize, ">= 1");
        partitions = orDefault(partitions, 0);
        check(partitions >= 0, "partitions", partitions, ">= 0");
        localGpus = orDefault(localGpus, 1);
        check(localGpus >= 0, "local_gpus", localGpus, ">= 0");
    }

    /** Every key at its default. */
    public static JobConfig defaults() {
        return new JobConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null);
    }

    private static <T> T orDefault(T value, T fallback) {
        return value == null ? fallback : value;
    }

    private static void check(boolean ok, String key, Object actual, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(key + "=" + actual + " must be " + expected);
        }
    }
}
