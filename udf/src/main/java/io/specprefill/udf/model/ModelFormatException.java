package io.specprefill.udf.model;

/**
 * A model directory that cannot be used: bad config.json, missing or misshapen tensor, a header
 * that points past the end of its file, an unsupported dtype. The message names the file and the
 * key or tensor at fault.
 */
public class ModelFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
