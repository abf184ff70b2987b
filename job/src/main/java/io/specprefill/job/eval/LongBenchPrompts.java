package io.specprefill.job.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LongBench v1 prompts from the user's LongBench config folder ({@code dataset2prompt.json},
 * {@code dataset2maxlen.json}, as in THUDM/LongBench {@code LongBench/config/}); the project
 * keeps no copy of the template texts.
 */
public final class LongBenchPrompts {
    /**
     * Text to token ids and back, as LongBench's pred.py uses the HF tokenizer for middle
     * truncation: {@code encode} as {@code tokenizer(prompt).input_ids} (special tokens added,
     * e.g. BOS), {@code decode} with {@code skip_special_tokens=True}.
     */
    public interface TokenCodec {
        int[] encode(String text);

        String decode(int[] ids);
    }

    private final Path folder;
    private final Map<String, String> prompts;
    private final Map<String, Integer> maxNewTokens;

    private LongBenchPrompts(Path folder, Map<String, String> prompts, Map<String, Integer> maxNewTokens) {
        this.folder = folder;
        this.prompts = prompts;
        this.maxNewTokens = maxNewTokens;
    }

    /** Reads dataset2prompt.json and dataset2maxlen.json from {@code configFolder}. */
    public static LongBenchPrompts load(Path configFolder) {
        Map<String, String> prompts = new LinkedHashMap<>();
        Map<String, Integer> maxlen = new LinkedHashMap<>();
        JsonNode p = readObject(configFolder.resolve("dataset2prompt.json"));
        JsonNode m = readObject(configFolder.resolve("dataset2maxlen.json"));
        for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException(configFolder.resolve("dataset2prompt.json") + ": '" + e.getKey()
                        + "' must be a string, got " + e.getValue().getNodeType());
            }
            prompts.put(e.getKey(), e.getValue().asText());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() <= 0) {
                throw new IllegalArgumentException(configFolder.resolve("dataset2maxlen.json") + ": '" + e.getKey()
                        + "' must be a positive integer, got " + e.getValue());
            }
            maxlen.put(e.getKey(), e.getValue().asInt());
        }
        return new LongBenchPrompts(configFolder, Collections.unmodifiableMap(prompts),
                Collections.unmodifiableMap(maxlen));
    }

    private static JsonNode readObject(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("LongBench config file " + file
                    + " not found (point to LongBench's LongBench/config folder)");
        }
        try {
            JsonNode node = new ObjectMapper().readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(file + ": expected a JSON object of dataset -> value");
            }
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    /** {@code dataset2prompt[dataset].format(context=..., input=...)} for one LongBench row. */
    public String build(String dataset, String context, String input) {
        String template = prompts.get(dataset);
        if (template == null) {
            throw new IllegalArgumentException(folder.resolve("dataset2prompt.json") + " has no prompt for dataset '"
                    + dataset + "'; it has " + prompts.keySet());
        }
        return PyFormat.format(template, Map.of("context", context, "input", input),
                folder.resolve("dataset2prompt.json") + ": " + dataset);
    }

    /** dataset2maxlen[dataset]: the generation length (max new tokens) of the dataset. */
    public int maxNewTokens(String dataset) {
        Integer n = maxNewTokens.get(dataset);
        if (n == null) {
            throw new IllegalArgumentException(folder.resolve("dataset2maxlen.json") + " has no entry for dataset '"
                    + dataset + "'; it has " + maxNewTokens.keySet());
        }
        return n;
    }

    /**
     * pred.py's middle truncation: when the prompt has more than {@code maxTokens} tokens, keep
     * the first and the last {@code int(maxTokens / 2)} and decode them separately, joined with
     * nothing in between; the caller tokenizes the returned string again. Shorter prompts come
     * back unchanged.
     */
    public static String truncateMiddle(String prompt, int maxTokens, TokenCodec codec) {
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("max_prompt_tokens must be positive, got " + maxTokens);
        }
        int[] ids = codec.encode(prompt);
        if (ids.length <= maxTokens) {
            return prompt;
        }
        int half = maxTokens / 2;
        // Python's ids[-half:] is the whole list when half == 0 (max_prompt_tokens = 1).
        int tailStart = half == 0 ? 0 : ids.length - half;
        return codec.decode(Arrays.copyOfRange(ids, 0, half))
                + codec.decode(Arrays.copyOfRange(ids, tailStart, ids.length));
    }
}
