package io.specprefill.cuda;

/** A failing CUDA driver, cuBLAS or kernel call; the message names the op, the shapes and the CUDA error. */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CudaException(String message) {
        super(message);
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
    }
}
