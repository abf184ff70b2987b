package io.specprefill.udf.tokenizer;

import io.specprefill.udf.model.ModelFormatException;

/** A tokenizer.json that cannot be used; the message names the file and the key at fault. */
public class TokenizerFormatException extends ModelFormatException {
    private static final long serialVersionUID = 1L;

    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
