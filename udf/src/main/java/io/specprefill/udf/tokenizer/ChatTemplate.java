package io.specprefill.udf.tokenizer;

/**
 * How a prompt becomes ids. {@link #NONE} feeds the text as it is, with the post-processor's BOS.
 * {@link #LLAMA3} wraps it as one user turn followed by the assistant header (Llama 3 Instruct's
 * template with {@code add_generation_prompt}); the template itself starts with
 * {@code <|begin_of_text|>}, so no second BOS is added.
 */
public enum ChatTemplate {
    NONE,
    LLAMA3;

    private static final String[] LLAMA3_SPECIALS = {
        "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"};

    /** {@code none} or {@code llama3} (config and CLI spelling), or an error listing both. */
    public static ChatTemplate parse(String name) {
        switch (name) {
            case "none": return NONE;
            case "llama3": return LLAMA3;
            default: throw new IllegalArgumentException("chat template '" + name + "' is unknown (known: none, llama3)");
        }
    }

    /** The prompt text with the template around it (special tokens spelled out). */
    public String format(String userText) {
        if (this == NONE) return userText;
        return "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n" + userText
                + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    }

    /** The prompt's ids: BOS once, from the post-processor (NONE) or from the template (LLAMA3). */
    public int[] encode(Tokenizer tokenizer, String userText) {
        if (this == NONE) return tokenizer.encode(userText, true);
        for (String s : LLAMA3_SPECIALS) {
            if (tokenizer.tokenId(s).isEmpty()) {
                throw new TokenizerFormatException(tokenizer.source() + ": chat template llama3 needs special token " + s
                        + ", which this tokenizer lacks");
            }
        }
        return tokenizer.encode(format(userText), false);
    }
}
