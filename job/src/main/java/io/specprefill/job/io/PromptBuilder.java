package io.specprefill.job.io;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.config.JobConfig;
import io.specprefill.udf.task.PromptRecord;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Turns one input row's fields (whatever the file format: see {@link InputFields}) into a
 * {@link PromptRecord}. A row with {@code prompt} is used as it is; a LongBench row
 * ({@code context}, {@code input}) is formatted with its dataset's template, the way LongBench's
 * {@code pred.py} calls Python's {@code str.format}. A row that cannot be used gets an error, never
 * an exception: the job keeps every row.
 */
public final class PromptBuilder implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> datasetTemplates;
    private final String inlineTemplate;
    private final Map<String, Integer> datasetMaxNewTokens;

    public PromptBuilder(Map<String, String> datasetTemplates, String inlineTemplate,
                         Map<String, Integer> datasetMaxNewTokens) {
        this.datasetTemplates = Map.copyOf(datasetTemplates);
        this.inlineTemplate = inlineTemplate;
        this.datasetMaxNewTokens = Map.copyOf(datasetMaxNewTokens);
    }

    /**
     * From the config's {@code prompt_template} (text containing '{' is one template for every row;
     * anything else is a path to {@code dataset2prompt.json} or its folder) and
     * {@code dataset_max_new_tokens} (a path to {@code dataset2maxlen.json} or its folder).
     */
    public static PromptBuilder fromConfig(JobConfig config) {
        String template = config.promptTemplate();
        Map<String, String> templates = Map.of();
        String inline = null;
        if (template != null && template.contains("{")) {
            inline = template;
            checkTemplate(inline, "prompt_template");
        } else if (template != null) {
            templates = readJson(template, "prompt_template", "dataset2prompt.json", new TypeReference<>() { });
            templates.forEach((dataset, t) -> checkTemplate(t, "prompt_template " + template + " [" + dataset + "]"));
        }
        Map<String, Integer> maxlen = config.datasetMaxNewTokens() == null ? Map.of()
                : readJson(config.datasetMaxNewTokens(), "dataset_max_new_tokens", "dataset2maxlen.json",
                new TypeReference<>() { });
        maxlen.forEach((dataset, n) -> {
            if (n == null || n < 1) {
                throw new IllegalArgumentException("dataset_max_new_tokens=" + config.datasetMaxNewTokens() + ": dataset '"
                        + dataset + "' has " + n + ", expected a whole number >= 1");
            }
        });
        return new PromptBuilder(templates, inline, maxlen);
    }

    /** The record for input row {@code rowIndex} (0-based position in the input). */
    public PromptRecord build(InputFields f, long rowIndex) {
        String id = null;
        String dataset = null;
        List<String> answers = List.of();
        List<String> allClasses = List.of();
        int length = -1;
        int maxNewTokens = -1;
        try {
            id = f.has("id") ? f.text("id") : f.has("_id") ? f.text("_id") : null;
            id = id == null || id.isBlank() ? "row-" + rowIndex : id;
            dataset = f.has("dataset") ? f.text("dataset") : null;
            answers = f.has("answers") ? f.texts("answers") : List.of();
            allClasses = f.has("all_classes") ? f.texts("all_classes") : List.of();
            length = f.has("length") ? atLeast(f, "length", 0) : -1;
            maxNewTokens = f.has("max_new_tokens") ? atLeast(f, "max_new_tokens", 1)
                    : datasetMaxNewTokens.getOrDefault(dataset == null ? "" : dataset, -1);
            String prompt = prompt(f, dataset);
            String error = prompt.isEmpty() ? "empty prompt" : null;
            return new PromptRecord(id, error == null ? prompt : null, dataset, answers, allClasses, length,
                    maxNewTokens, error == null ? null : where(rowIndex, id) + error);
        } catch (IllegalArgumentException e) {
            String name = id == null ? "row-" + rowIndex : id;
            return new PromptRecord(name, null, dataset, answers, allClasses, length, maxNewTokens,
                    where(rowIndex, name) + e.getMessage());
        }
    }

    /** A whole-number field that must be at least {@code min}; out of range is the row's error, naming the field. */
    private static int atLeast(InputFields f, String name, int min) {
        int v = f.integer(name);
        if (v < min) {
            throw new IllegalArgumentException("field '" + name + "' is " + v + ", expected a whole number >= " + min);
        }
        return v;
    }

    /** The record of a line that is not a JSON object. */
    public static PromptRecord unreadable(long rowIndex, String why) {
        String id = "row-" + rowIndex;
        return new PromptRecord(id, null, null, List.of(), List.of(), -1, -1, where(rowIndex, id) + why);
    }

    private String prompt(InputFields f, String dataset) {
        if (f.has("prompt")) {
            return f.text("prompt");
        }
        if (!f.has("context") && !f.has("input")) {
            throw new IllegalArgumentException("no 'prompt' field (nor LongBench's 'context' and 'input')");
        }
        String template = dataset != null && datasetTemplates.containsKey(dataset)
                ? datasetTemplates.get(dataset) : inlineTemplate;
        if (template == null) {
            throw new IllegalArgumentException("no 'prompt' field, and prompt_template gives no template for dataset '"
                    + dataset + "'");
        }
        return format(template, f);
    }

    /**
     * Python's {@code str.format} for named fields: {@code {name}} takes the row's text field,
     * {@code {{} and {@code }}} are literal braces.
     */
    static String format(String template, InputFields f) {
        StringBuilder out = new StringBuilder(template.length() * 4);
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < template.length() && template.charAt(i + 1) == c) {
                out.append(c);
                i += 2;
            } else if (c == '}') {
                throw new IllegalArgumentException("template has a single '}' at character " + i);
            } else if (c == '{') {
                int close = template.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("template has an unclosed '{' at character " + i);
                }
                String name = template.substring(i + 1, close);
                if (!f.has(name)) {
                    throw new IllegalArgumentException("the template needs field '" + name + "', which the row lacks");
                }
                out.append(f.text(name));
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String where(long rowIndex, String id) {
        return "input row " + rowIndex + " (id " + id + "): ";
    }

    private static <T> T readJson(String pathText, String key, String fileName, TypeReference<T> type) {
        Path path = Path.of(pathText);
        Path file = Files.isDirectory(path) ? path.resolve(fileName) : path;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(key + "=" + pathText + ": no such file " + file
                    + " (expected " + fileName + " or its folder)");
        }
        try {
            return JSON.readValue(file.toFile(), type);
        } catch (IOException e) {
            throw new IllegalArgumentException(key + "=" + pathText + ": " + file + " is not a JSON object of "
                    + "dataset names to values: " + e.getMessage(), e);
        }
    }

    /** Fails on the driver, naming the key, for a template that no row could fill. */
    private static void checkTemplate(String template, String key) {
        try {
            format(template, name -> "");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage() + " in " + template, e);
        }
    }
}
