package io.specprefill.job.eval.ruler;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/** RULER task names (as in synthetic.yaml) to their generators. */
public final class RulerTasks {
    private RulerTasks() {
    }

    /** Every task this project generates. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (NiahVariant v : NiahVariant.values()) {
            out.add(v.taskName());
        }
        out.addAll(List.of("vt", "cwe", "fwe"));
        return out;
    }

    /**
     * The generator of {@code task} (niah_*, vt, cwe, fwe; the long names variable_tracking,
     * common_words_extraction, freq_words_extraction work too).
     *
     * @param tokens the target model's token count of a text, without special tokens (RULER's text_to_tokens)
     */
    public static RulerGenerator create(String task, RulerTemplates templates, String modelTemplate, RulerData data,
                                        ToIntFunction<String> tokens, long seed) {
        for (NiahVariant v : NiahVariant.values()) {
            if (v.taskName().equals(task)) {
                return new NiahGenerator(v, templates, modelTemplate, data, tokens, seed);
            }
        }
        switch (task) {
            case "vt", "variable_tracking":
                return new VariableTrackingGenerator(templates, modelTemplate, tokens, seed);
            case "cwe", "common_words_extraction":
                return new CommonWordsGenerator(templates, modelTemplate, data, tokens, seed);
            case "fwe", "freq_words_extraction":
                return new FreqWordsGenerator(templates, modelTemplate, tokens, seed);
            default:
                throw new IllegalArgumentException("unknown RULER task '" + task + "'; known: " + names());
        }
    }
}
