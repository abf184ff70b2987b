package io.specprefill.udf.task;

import io.specprefill.udf.tokenizer.ChatTemplate;
import java.io.Serializable;

/**
 * How a row's prompt becomes ids in stage 1 ({@link PromptTokens}), checked here, once, where the
 * record is built (the job builds it when it reads its YAML config). Messages name the YAML keys.
 *
 * @param chatTemplate    wrap each prompt in the target model's own chat template ({@link ChatTemplate#forModel})
 * @param maxPromptTokens the longest prompt accepted; 0: the target's max_position_embeddings minus
 *                        the row's max_new_tokens
 * @param truncateMiddle  an over-long prompt keeps its first and last maxPromptTokens/2 tokens
 *                        (LongBench's rule); otherwise the row gets an error
 */
public record PromptParams(boolean chatTemplate, int maxPromptTokens, boolean truncateMiddle) implements Serializable {
    private static final long serialVersionUID = 1L;

    public PromptParams {
        if (maxPromptTokens != 0 && maxPromptTokens < 2) {
            throw new IllegalArgumentException("max_prompt_tokens=" + maxPromptTokens
                    + " must be 0 (the target's limit) or >= 2");
        }
    }
}
