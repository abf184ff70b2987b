package io.specprefill.job.eval.ruler;

import java.util.List;

/**
 * One generated RULER row.
 *
 * @param input        the prompt up to the answer prefix (model template included)
 * @param answerPrefix the text the model is fed right after {@code input}
 * @param outputs      the reference answers
 * @param length       tokens of input + answer prefix, plus the task's tokens_to_generate (RULER's length)
 */
public record RulerSample(String input, String answerPrefix, List<String> outputs, int length) {
    /** What the model is fed: input then answer prefix. */
    public String prompt() {
        return input + answerPrefix;
    }

    /**
     * RULER's split of a generated text at its answer prefix: the last occurrence of the prefix's
     * first 10 characters ({@code text.rfind(answer_prefix[:10])}).
     */
    static RulerSample split(String text, String taskAnswerPrefix, List<String> outputs, int length) {
        String key = taskAnswerPrefix.substring(0, Math.min(10, taskAnswerPrefix.length()));
        int at = text.lastIndexOf(key);
        if (at < 0) {
            throw new IllegalStateException("answer prefix '" + key + "' not found in the generated prompt");
        }
        return new RulerSample(text.substring(0, at), text.substring(at), List.copyOf(outputs), length);
    }
}
