package io.specprefill.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.io.InputStream;

/**
 * The CUDA driver as this module uses it: JCuda's driver API only (libJCudaDriver needs nothing but
 * libcuda.so.1, so it runs on CUDA 12 and 13 boxes alike), one primary context per device.
 *
 * <p>Native code loads lazily in {@link #ensureLoaded()}, synchronized and once per JVM, never from a
 * static initializer: a Spark driver may touch these classes on a machine with no GPU.
 * {@link #available()} says whether a GPU backend can run here at all (driver, a device, and the
 * kernels in this jar); {@link #unavailableReason()} says why not, for test skips and errors.
 */
public final class Cuda {
    /** The resource that proves the kernels were compiled into this jar (every .cu gives one). */
    static final String KERNEL_PROBE = "/kernels/add.ptx";

    private static boolean loaded;
    private static String unavailable;   // null once loaded and usable
    private static final ThreadLocal<CUcontext> CURRENT = new ThreadLocal<>();

    private Cuda() {
    }

    /** Loads JCuda's driver natives and initializes CUDA, once; never throws (see {@link #available()}). */
    public static synchronized void ensureLoaded() {
        if (loaded) return;
        loaded = true;
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int r = JCudaDriver.cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                unavailable = "cuInit failed: " + CUresult.stringFor(r) + " (no NVIDIA driver or GPU usable here)";
                return;
            }
            int[] count = new int[1];
            r = JCudaDriver.cuDeviceGetCount(count);
            if (r != CUresult.CUDA_SUCCESS || count[0] == 0) {
                unavailable = "no CUDA device (cuDeviceGetCount: " + CUresult.stringFor(r) + ", count " + count[0] + ")";
                return;
            }
            if (!hasKernels()) {
                unavailable = "this build has no CUDA kernels (" + KERNEL_PROBE + " is missing from the classpath):"
                        + " it was built where nvcc was not on PATH; rebuild the cuda module with nvcc";
                return;
            }
            unavailable = null;
        } catch (Throwable t) {   // UnsatisfiedLinkError when libcuda.so.1 or JCuda's natives cannot load
            String msg = String.valueOf(t.getMessage()).split("\n")[0];
            unavailable = "the CUDA driver library could not be loaded (" + t.getClass().getSimpleName() + ": " + msg
                    + "; libcuda.so.1 and an NVIDIA driver are needed)";
        }
    }

    /** True when a CUDA device, its driver and this jar's kernels are all present. */
    public static boolean available() {
        ensureLoaded();
        return unavailable == null;
    }

    /** Why {@link #available()} is false; null when it is true. */
    public static String unavailableReason() {
        ensureLoaded();
        return unavailable;
    }

    /** Throws a clear error when CUDA cannot be used here. */
    public static void require() {
        if (!available()) throw new CudaException("CUDA backend unavailable: " + unavailable);
    }

    static boolean hasKernels() {
        try (InputStream in = Cuda.class.getResourceAsStream(KERNEL_PROBE)) {
            return in != null;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    public static int deviceCount() {
        require();
        int[] count = new int[1];
        check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        return count[0];
    }

    /** The device of an ordinal, with a clear error for an ordinal out of range. */
    static CUdevice device(int ordinal) {
        int n = deviceCount();
        if (ordinal < 0 || ordinal >= n) {
            throw new CudaException("CUDA device " + ordinal + " does not exist (this machine has " + n + ")");
        }
        CUdevice dev = new CUdevice();
        check(JCudaDriver.cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
        return dev;
    }

    /** Retains the device's primary context (shared with the CUDA runtime, hence with cuBLAS). */
    static CUcontext primaryContext(CUdevice dev, int ordinal) {
        CUcontext ctx = new CUcontext();
        check(JCudaDriver.cuDevicePrimaryCtxRetain(ctx, dev), "cuDevicePrimaryCtxRetain(" + ordinal + ")");
        return ctx;
    }

    /** Makes ctx current on the calling thread (Spark may call from several threads; a no-op when it is). */
    static void bind(CUcontext ctx) {
        if (CURRENT.get() != ctx) {
            check(JCudaDriver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
            CURRENT.set(ctx);
        }
    }

    static int attribute(CUdevice dev, int attribute) {
        int[] v = new int[1];
        check(JCudaDriver.cuDeviceGetAttribute(v, attribute, dev), "cuDeviceGetAttribute(" + attribute + ")");
        return v[0];
    }

    /** Compute capability as major * 10 + minor (90 for an H100). */
    static int computeCapability(CUdevice dev) {
        return attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) * 10
                + attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    }

    static String deviceName(CUdevice dev) {
        byte[] name = new byte[256];
        check(JCudaDriver.cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        return new String(name, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
    }

    public static int driverVersion() {
        require();
        int[] v = new int[1];
        check(JCudaDriver.cuDriverGetVersion(v), "cuDriverGetVersion");
        return v[0];
    }

    /** Throws a CudaException naming {@code what} when a driver call failed. */
    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(what + " failed: " + CUresult.stringFor(result));
        }
    }
}
