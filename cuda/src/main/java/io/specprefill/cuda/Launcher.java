package io.specprefill.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.util.HashSet;
import java.util.Set;

/**
 * Launch mechanics shared by every {@link Kernels} launcher: kernel parameters from Java values
 * (Long for 64-bit values and device addresses, Integer, Float: the boxed type must match the
 * kernel's C parameter), a CUresult that becomes an exception naming the kernel and its launch
 * dimensions, and the name of the last kernel launched, for errors that surface later.
 *
 * <p>With system property {@code specprefill.cuda.syncCheck=true} every launch is followed by a
 * stream synchronize, so an asynchronous fault is reported against the kernel that caused it
 * (tests turn it on; it costs throughput).
 */
final class Launcher {
    final String device;
    final CUstream stream;
    final long streamAddress;
    final KernelModules modules;
    private final boolean syncCheck = Boolean.getBoolean("specprefill.cuda.syncCheck");
    private final Set<CUfunction> raisedSmem = new HashSet<>();
    private String lastLaunch = "none";

    Launcher(String device, CUstream stream, KernelModules modules) {
        this.device = device;
        this.stream = stream;
        this.streamAddress = DeviceMemory.addressOf(stream);
        this.modules = modules;
    }

    /** Launches {@code file}'s kernel {@code name} on the stream: grid (gx, gy, gz), 1-D blocks. */
    void launch(String file, String name, int gx, int gy, int gz, int block, int sharedBytes, Object... args) {
        CUfunction f = modules.function(file, name);
        if (sharedBytes > 48 * 1024 && raisedSmem.add(f)) {
            Cuda.check(JCudaDriver.cuFuncSetAttribute(f,
                    CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes),
                    device + ": raising the shared memory of " + name + " to " + sharedBytes + " bytes");
        }
        lastLaunch = name + " grid (" + gx + ", " + gy + ", " + gz + ") block " + block + " shared " + sharedBytes;
        if (gx <= 0 || gy <= 0 || gz <= 0) {
            throw new CudaException(device + ": kernel " + lastLaunch + ": empty or overflowing grid");
        }
        NativePointerObject[] params = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) params[i] = param(args[i], name, i);
        int r = JCudaDriver.cuLaunchKernel(f, gx, gy, gz, block, 1, 1, sharedBytes, stream, Pointer.to(params), null);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new CudaException(device + ": launching kernel " + lastLaunch + " failed: " + CUresult.stringFor(r));
        }
        if (syncCheck) {
            r = JCudaDriver.cuStreamSynchronize(stream);
            if (r != CUresult.CUDA_SUCCESS) {
                throw new CudaException(device + ": kernel " + lastLaunch + " failed: " + CUresult.stringFor(r));
            }
        }
    }

    private static Pointer param(Object a, String kernel, int i) {
        if (a instanceof Long) return Pointer.to(new long[]{(Long) a});
        if (a instanceof Integer) return Pointer.to(new int[]{(Integer) a});
        if (a instanceof Float) return Pointer.to(new float[]{(Float) a});
        throw new IllegalArgumentException("kernel " + kernel + " parameter " + i + ": unsupported type " + a);
    }

    /** Waits for the stream; an asynchronous fault names the last kernel launched. */
    void synchronize(String what) {
        int r = JCudaDriver.cuStreamSynchronize(stream);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new CudaException(device + ": " + what + " failed: " + CUresult.stringFor(r)
                    + " (an earlier asynchronous op failed; last kernel launched: " + lastLaunch + ")");
        }
    }

    /** Blocks of {@code block} threads covering {@code n} items, as an int grid dimension. */
    int blocks(long n, int block, String kernel) {
        long b = (n + block - 1) / block;
        if (b > Integer.MAX_VALUE) throw new CudaException(device + ": " + kernel + ": " + n + " items need too many blocks");
        return (int) Math.max(b, 1);
    }
}
