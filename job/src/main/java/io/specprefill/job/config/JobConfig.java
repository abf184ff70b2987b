package io.specprefill.job.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonValue;
import io.specprefill.udf.generate.GenerationParams;
import io.specprefill.udf.prefill.PrefillParams;
import io.specprefill.udf.task.BatchSizes;
import io.specprefill.udf.task.PromptParams;
import io.specprefill.udf.task.WeightDtypes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The job's YAML config (design.md sections 4 to 6): one flat key per setting in the file, one record
 * per concept here. The records are built, and so checked, once, when the config is read
 * ({@link #fromKeys}); the job then passes them down as they are (docs/design.md, "Where each
 * setting is decided"). Paths of the data and models are flags, not keys ({@link JobArgs}).
 *
 * <p>A missing key (null) takes the default written in {@link #fromKeys}; the one-line docs are its
 * parameters' {@link JsonPropertyDescription}s, which {@link ConfigLoader#describe()} prints as the
 * keys table. A bad value throws {@link IllegalArgumentException} naming the key; {@link ConfigLoader}
 * adds the file.
 *
 * @param prefill            the algorithm: keep, chunk_size, pool_kernel, lookahead, keep_tail
 * @param generation         stage 2: max_new_tokens, temperature, top_p, seed, stop_strings
 * @param prompts            prompt ids: chat_template, max_prompt_tokens, truncate_middle
 * @param promptTemplate     input rows without 'prompt': LongBench templates (a path) or one template; null: none
 * @param datasetMaxNewTokens LongBench's dataset2maxlen.json (a path); null: none
 * @param allowDuplicateIds  accept input rows that share an id; false: each such row gets an error
 * @param backend            cpu, cuda or auto
 * @param batches            draft_batch_size, target_batch_size
 * @param partitions         partitions of each stage; 0: Spark's default parallelism
 * @param localGpus          GPUs a local-mode task picks from by partition id; 0: none
 * @param weights            draft_weights_dtype, target_weights_dtype: auto or fp8
 */
public record JobConfig(PrefillParams prefill, GenerationParams generation, PromptParams prompts, String promptTemplate,
                        String datasetMaxNewTokens, boolean allowDuplicateIds, String backend, BatchSizes batches, int partitions, int localGpus,
                        WeightDtypes weights) {

    public static final List<String> BACKENDS = List.of("cpu", "cuda", "auto");

    public JobConfig {
        check(promptTemplate == null || !promptTemplate.isBlank(), "prompt_template", "''", "a path or a template");
        check(datasetMaxNewTokens == null || !datasetMaxNewTokens.isBlank(), "dataset_max_new_tokens", "''", "a path");
        check(BACKENDS.contains(backend), "backend", backend, "one of " + BACKENDS);
        check(partitions >= 0, "partitions", partitions, ">= 0");
        check(localGpus >= 0, "local_gpus", localGpus, ">= 0");
    }

    /** The config from its YAML keys (null: the default); builds, and so checks, each record once. */
    @JsonCreator
    public static JobConfig fromKeys(
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
            @JsonProperty("allow_duplicate_ids") @JsonPropertyDescription("accept input rows that share an id; false: each row whose id another row has gets an error")
            Boolean allowDuplicateIds,
            @JsonProperty("backend") @JsonPropertyDescription("cpu, cuda, or auto (cuda where a GPU is usable, else cpu)")
            String backend,
            @JsonProperty("draft_batch_size") @JsonPropertyDescription("prompts per draft batch in stage 1")
            Integer draftBatchSize,
            @JsonProperty("target_batch_size") @JsonPropertyDescription("prompts per target batch in stage 2")
            Integer targetBatchSize,
            @JsonProperty("partitions") @JsonPropertyDescription("partitions of each stage; 0: Spark's default parallelism")
            Integer partitions,
            @JsonProperty("local_gpus") @JsonPropertyDescription("without Spark GPU scheduling (local mode): task GPU = partition id modulo this; 0: none")
            Integer localGpus,
            @JsonProperty("draft_weights_dtype") @JsonPropertyDescription("the draft's projections: auto (as the checkpoint stores them; BF16 on the GPU) or fp8 (quantised at load, W8A8 GEMMs)")
            String draftWeightsDtype,
            @JsonProperty("target_weights_dtype") @JsonPropertyDescription("the target's projections: auto or fp8, as draft_weights_dtype (an FP8 checkpoint is FP8 either way)")
            String targetWeightsDtype) {
        int chunk = orDefault(chunkSize, 32);
        PrefillParams prefill = new PrefillParams(orDefault(keep, 0.3), chunk, orDefault(poolKernel, 13),
                orDefault(lookahead, 8), orDefault(keepTail, chunk));
        GenerationParams generation = new GenerationParams(orDefault(maxNewTokens, 64), orDefault(temperature, 0.0),
                orDefault(topP, 1.0), orDefault(seed, 227L), stopStrings);
        PromptParams prompts = new PromptParams(orDefault(chatTemplate, false), orDefault(maxPromptTokens, 0),
                orDefault(truncateMiddle, false));
        BatchSizes batches = new BatchSizes(orDefault(draftBatchSize, 4), orDefault(targetBatchSize, 4));
        return new JobConfig(prefill, generation, prompts, promptTemplate, datasetMaxNewTokens,
                orDefault(allowDuplicateIds, false), orDefault(backend, "auto"), batches,
                orDefault(partitions, 0), orDefault(localGpus, 1), WeightDtypes.parse(draftWeightsDtype, targetWeightsDtype));
    }

    /** Every key at its default. */
    public static JobConfig defaults() {
        return fromKeys(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null);
    }

    /** The config as its YAML keys, every one resolved, in the file's order (what config.yaml holds). */
    @JsonValue
    public Map<String, Object> keys() {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("keep", prefill.keep());
        k.put("chunk_size", prefill.chunkSize());
        k.put("pool_kernel", prefill.poolKernel());
        k.put("lookahead", prefill.lookahead());
        k.put("keep_tail", prefill.keepTail());
        k.put("max_new_tokens", generation.maxNewTokens());
        k.put("temperature", generation.temperature());
        k.put("top_p", generation.topP());
        k.put("seed", generation.seed());
        k.put("stop_strings", generation.stopStrings());
        k.put("chat_template", prompts.chatTemplate());
        k.put("max_prompt_tokens", prompts.maxPromptTokens());
        k.put("truncate_middle", prompts.truncateMiddle());
        k.put("prompt_template", promptTemplate);
        k.put("dataset_max_new_tokens", datasetMaxNewTokens);
        k.put("allow_duplicate_ids", allowDuplicateIds);
        k.put("backend", backend);
        k.put("draft_batch_size", batches.draft());
        k.put("target_batch_size", batches.target());
        k.put("partitions", partitions);
        k.put("local_gpus", localGpus);
        k.put("draft_weights_dtype", weights.draft().key());
        k.put("target_weights_dtype", weights.target().key());
        return k;
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
