package io.specprefill.cuda;

/**
 * A device allocation that did not fit. Callers catch this to turn one prompt that is too long into
 * an error in its own output row instead of a failed executor; the message names what was being
 * allocated, its size, and the free and total memory of the device.
 */
public class CudaOutOfMemoryException extends CudaException {
    private static final long serialVersionUID = 1L;

    public CudaOutOfMemoryException(String message) {
        super(message);
    }
}
