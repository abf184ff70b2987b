package io.specprefill.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One cuMemAlloc allocation: its JCuda handle, its raw device address (for kernel parameters and
 * cuBLAS) and its size. Closing frees it; closing twice is harmless. The caller's context must be
 * current (CudaBackend binds it before every call).
 */
final class DeviceMemory implements AutoCloseable {
    final CUdeviceptr ptr;
    final long address;
    final long bytes;
    private final String what;
    private boolean freed;

    private DeviceMemory(CUdeviceptr ptr, long bytes, String what) {
        this.ptr = ptr;
        this.address = addressOf(ptr);
        this.bytes = bytes;
        this.what = what;
    }

    /**
     * Allocates {@code bytes} (at least 1) for {@code what}; running out of device memory gives a
     * {@link CudaOutOfMemoryException} that names the request and the device's free and total memory.
     */
    static DeviceMemory allocate(long bytes, String what, String device) {
        CUdeviceptr p = new CUdeviceptr();
        int r = JCudaDriver.cuMemAlloc(p, Math.max(bytes, 1));
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] free = new long[1], total = new long[1];
            JCudaDriver.cuMemGetInfo(free, total);
            throw new CudaOutOfMemoryException(device + ": out of GPU memory allocating " + gib(bytes) + " for "
                    + what + " (free " + gib(free[0]) + " of " + gib(total[0]) + ")");
        }
        Cuda.check(r, device + ": cuMemAlloc(" + bytes + " bytes) for " + what);
        LIVE.addAndGet(bytes);
        return new DeviceMemory(p, bytes, what);
    }

    static String gib(long bytes) {
        return String.format("%.2f GiB", bytes / (double) (1L << 30));
    }

    /**
     * The raw address a JCuda object wraps (a device pointer, a stream), for kernel parameters and
     * the cuBLAS bridge: JCuda keeps it in the private field NativePointerObject.nativePointer and
     * exposes no getter; reading it by reflection works on the class path (JCuda is not a named module).
     */
    static long addressOf(NativePointerObject o) {
        try {
            return (long) NATIVE_POINTER.get(o);
        } catch (IllegalAccessException e) {
            throw new CudaException("cannot read the native address of " + o, e);
        }
    }

    private static final Field NATIVE_POINTER = nativePointerField();
    /** Counts every free (see {@link #frees}). */
    private static final AtomicLong FREES = new AtomicLong();
    /** Bytes allocated and not yet freed, all devices (see {@link #liveBytes}). */
    private static final AtomicLong LIVE = new AtomicLong();

    private static Field nativePointerField() {
        try {
            Field f = NativePointerObject.class.getDeclaredField("nativePointer");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError("JCuda's NativePointerObject.nativePointer is not readable: " + e);
        }
    }

    /** A JCuda pointer {@code byteOffset} bytes into this allocation. */
    CUdeviceptr at(long byteOffset) {
        return byteOffset == 0 ? ptr : ptr.withByteOffset(byteOffset);
    }

    /** Copies host bytes in (synchronously with respect to the host; ordered after earlier work). */
    void upload(long byteOffset, Pointer src, long n) {
        checkRange(byteOffset, n, "upload");
        Cuda.check(JCudaDriver.cuMemcpyHtoD(at(byteOffset), src, n), "cuMemcpyHtoD(" + n + " bytes) into " + what);
    }

    /** Copies bytes out; waits for earlier work. */
    void download(long byteOffset, Pointer dst, long n) {
        checkRange(byteOffset, n, "download");
        Cuda.check(JCudaDriver.cuMemcpyDtoH(dst, at(byteOffset), n), "cuMemcpyDtoH(" + n + " bytes) from " + what);
    }

    void checkRange(long byteOffset, long n, String op) {
        if (byteOffset < 0 || n < 0 || byteOffset + n > bytes) {
            throw new IndexOutOfBoundsException(op + " of " + n + " bytes at offset " + byteOffset + " outside "
                    + what + " (" + bytes + " bytes)");
        }
    }

    /** Device frees in this JVM so far: a CUDA graph captured before a free may hold a stale address. */
    static long frees() {
        return FREES.get();
    }

    /** Device bytes this JVM holds through DeviceMemory now (tests: what a finished task leaves behind). */
    static long liveBytes() {
        return LIVE.get();
    }

    @Override
    public void close() {
        if (!freed) {
            freed = true;
            FREES.incrementAndGet();
            LIVE.addAndGet(-bytes);
            JCudaDriver.cuMemFree(ptr);
        }
    }

    @Override
    public String toString() {
        return what + " (" + bytes + " bytes)";
    }
}
