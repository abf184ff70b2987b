package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.BackendProvider;

/**
 * Registers {@link CudaBackend} as backend "cuda" with {@code udf}'s {@link java.util.ServiceLoader}
 * lookup ({@code io.specprefill.udf.llama.Backends}): {@code backend: cuda} asks for it by name, and
 * {@code backend: auto} takes it when {@link #available()}. Constructing this class touches no native
 * code (the Spark driver instantiates it too); the first {@link #available()} loads the driver API.
 */
public final class CudaBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cuda";
    }

    /** A device, the driver, this jar's kernels and a cuBLAS library are all present. */
    @Override
    public boolean available() {
        return Cuda.available() && Cublas.available();
    }

    @Override
    public String unavailableReason() {
        if (!Cuda.available()) return Cuda.unavailableReason();
        return Cublas.available() ? null : Cublas.unavailableReason();
    }

    /**
     * A backend on GPU {@code deviceOrdinal}. An ordinal past the device count is an error naming both,
     * not a silent wrap-around: Spark hands out real addresses, and local mode takes partition id modulo
     * {@code local_gpus}, which must not exceed the GPUs present.
     */
    @Override
    public Backend create(int deviceOrdinal) {
        int count = Cuda.deviceCount();
        if (deviceOrdinal < 0 || deviceOrdinal >= count) {
            throw new CudaException("GPU " + deviceOrdinal + " requested but this machine has " + count
                    + " CUDA device(s) (check local_gpus or the executor's GPU resources)");
        }
        return CudaBackend.open(deviceOrdinal);
    }
}
