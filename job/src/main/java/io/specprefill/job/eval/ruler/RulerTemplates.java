package io.specprefill.job.eval.ruler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.specprefill.job.eval.PyFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * RULER's task templates, answer prefixes, needle sentence, noise haystack and model templates,
 * read from the JSON file the user points to (RULER's constants.py and synthetic.yaml as JSON:
 * {@code {"niah": {"template", "answer_prefix", "needle", "tokens_to_generate", "noise_haystack"},
 * "variable_tracking": {...}, ..., "model_templates": {"base": "{task_template}", ...}}}). The
 * project keeps no copy of the texts.
 */
public final class RulerTemplates {
    /**
     * One task's texts. {@code needle} and {@code noiseHaystack} are set for niah only.
     *
     * @param tokensToGenerate RULER's generation budget, counted into the row's length
     */
    public record Task(String name, String template, String answerPrefix, int tokensToGenerate, String needle,
                       String noiseHaystack) {
    }

    private final Path file;
    private final JsonNode root;

    private RulerTemplates(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    public static RulerTemplates load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("RULER templates file " + file + " not found");
        }
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException(file + ": expected a JSON object of task -> texts");
            }
            return new RulerTemplates(file, root);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    /** The texts of task {@code name} (niah, variable_tracking, common_words_extraction, freq_words_extraction). */
    public Task task(String name) {
        JsonNode t = root.get(name);
        if (t == null || !t.isObject()) {
            throw new IllegalArgumentException(file + ": no task '" + name + "'");
        }
        String needle = name.equals("niah") ? text(t, name, "needle") : null;
        String noise = t.has("noise_haystack") ? text(t, name, "noise_haystack") : null;
        JsonNode ttg = t.get("tokens_to_generate");
        if (ttg == null || !ttg.canConvertToInt() || ttg.asInt() < 0) {
            throw new IllegalArgumentException(file + ": " + name + ".tokens_to_generate must be a non-negative integer, got "
                    + ttg);
        }
        return new Task(name, text(t, name, "template"), text(t, name, "answer_prefix"), ttg.asInt(), needle, noise);
    }

    /** The noise sentence of RULER's "noise" haystacks (stored with niah, used by variable tracking too). */
    public String noiseHaystack() {
        String noise = task("niah").noiseHaystack();
        if (noise == null) {
            throw new IllegalArgumentException(file + ": niah.noise_haystack is missing");
        }
        return noise;
    }

    /**
     * RULER's prepare.py: {@code model_template.format(task_template=template) + answer_prefix},
     * the template every generator formats.
     */
    public String fullTemplate(Task task, String modelTemplate) {
        JsonNode models = root.get("model_templates");
        if (models == null || !models.has(modelTemplate)) {
            throw new IllegalArgumentException(file + ": no model template '" + modelTemplate + "' under model_templates");
        }
        String wrapped = PyFormat.format(models.get(modelTemplate).asText(), Map.of("task_template", task.template()),
                file + ": model_templates." + modelTemplate);
        return wrapped + task.answerPrefix();
    }

    private String text(JsonNode t, String task, String key) {
        JsonNode v = t.get(key);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(file + ": " + task + "." + key + " must be a string, got " + v);
        }
        return v.asText();
    }
}
