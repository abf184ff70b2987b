package io.specprefill.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * GEMMs through cuBLAS: out[T, n] (f32 or BF16, += for the residual) = x[T, k] (BF16) · w[n, k]^T (BF16), float32 accumulation
 * ({@code cublasGemmEx}, CUBLAS_COMPUTE_32F, tensor cores), on a given stream with a fixed workspace.
 *
 * <p>Why this route: JCuda's own JCublas is linked against versioned {@code libcublas.so.12} symbols
 * and cannot load on a CUDA 13 box. {@code org.bytedeco:cuda} 13.x would link {@code libcublas.so.13}
 * and so fail on CUDA 12 boxes instead, and it brings ~1 GB of platform jars a GPU bundle cannot
 * carry. Our own bridge ({@code src/main/native/spcublas.c}, ~130 lines, built by the Maven build
 * with gcc, no CUDA headers needed) {@code dlopen}s whatever cuBLAS the machine has at run time:
 * {@code libcublas.so.13}, then {@code .so.12}, or the path in system property
 * {@code specprefill.cublas.library}. cuBLAS picks its kernels per shape itself (it runs cuBLASLt
 * heuristics inside and caches them), so plain GemmEx costs nothing against a hand-driven cuBLASLt.
 *
 * <p>FP8 GEMMs ({@link #gemmFp8}) go through cuBLASLt ({@code libcublasLt.so.13}, then {@code .so.12},
 * or system property {@code specprefill.cublaslt.library}), opened by the same bridge; a machine
 * without it keeps the BF16 GEMMs and says why FP8 is unavailable.
 *
 * <p>One instance per device context: {@link #create} makes a handle bound to that context; the
 * caller keeps the context current while calling {@link #gemm}.
 */
public final class Cublas implements AutoCloseable {
    static final String LIBRARY_RESOURCE = "/native/linux-x86_64/libspcublas.so";
    static final long WORKSPACE_BYTES = 32L << 20;   // cuBLAS asks for up to 32 MiB on Hopper

    private static String loadError;   // null once loaded
    private static boolean loadTried;
    private static String libraryName;
    private static String ltError;     // null once cuBLASLt opened
    private static String ltLibraryName;

    private final long handle;
    private final DeviceMemory workspace;
    private long boundStream = -1;
    private long lt;                   // the cuBLASLt context, 0 until the first FP8 GEMM

    private Cublas(long handle, DeviceMemory workspace) {
        this.handle = handle;
        this.workspace = workspace;
    }

    /** Whether cuBLASLt (the FP8 GEMMs) opened; the reason when not. */
    static synchronized String fp8UnavailableReason() {
        if (!available()) return loadError;
        return ltError;
    }

    /** The cuBLASLt library that was opened, or null. */
    static synchronized String ltLibraryName() {
        return available() && ltError == null ? ltLibraryName : null;
    }

    /** Loads the bridge and cuBLAS, once; true when both loaded. */
    public static synchronized boolean available() {
        if (!loadTried) {
            loadTried = true;
            loadError = load();
        }
        return loadError == null;
    }

    /** Why {@link #available()} is false; null when it is true. */
    public static synchronized String unavailableReason() {
        available();
        return loadError;
    }

    /** The cuBLAS library that was opened (a name or path). */
    public static synchronized String libraryName() {
        return available() ? libraryName : null;
    }

    private static String load() {
        String bridgeError = JniBridge.load(Cublas.class, LIBRARY_RESOURCE, "cuBLAS");
        if (bridgeError != null) return bridgeError;
        String candidates = String.join(":", candidates());
        String error = nativeOpen(candidates);
        if (error != null) return "cannot open cuBLAS (tried " + candidates + "): " + error;
        libraryName = nativeLibraryName();
        List<String> lts = new ArrayList<>();
        String configured = System.getProperty("specprefill.cublaslt.library");
        if (configured != null && !configured.isBlank()) lts.add(configured);
        for (String name : candidates()) {
            if (!name.equals(System.getProperty("specprefill.cublas.library"))) lts.add(name.replace("libcublas.", "libcublasLt."));
        }
        String ltCandidates = String.join(":", lts);
        String lterr = nativeOpenLt(ltCandidates);
        ltError = lterr == null ? null : "cannot open cuBLASLt for FP8 GEMMs (tried " + ltCandidates + "): " + lterr;
        if (lterr == null) ltLibraryName = nativeLtLibraryName();
        return null;
    }

    private static List<String> candidates() {
        List<String> names = new ArrayList<>();
        String configured = System.getProperty("specprefill.cublas.library");
        if (configured != null && !configured.isBlank()) names.add(configured);
        names.add("libcublas.so.13");
        names.add("libcublas.so.12");
        List<String> homes = new ArrayList<>();
        String env = System.getenv("CUDA_HOME");
        if (env != null) homes.add(env);
        homes.add("/usr/local/cuda");
        homes.add("/usr/local/cuda-13.0");
        homes.add("/usr/local/cuda-12");
        for (String home : homes) {
            for (String v : new String[]{"13", "12"}) {
                names.add(home + "/lib64/libcublas.so." + v);
                names.add(home + "/targets/x86_64-linux/lib/libcublas.so." + v);
            }
        }
        return names;
    }

    /** A handle on the current context, using {@code workspaceBytes} of device memory as its workspace. */
    static Cublas create(String device) {
        if (!available()) throw new CudaException(device + ": cuBLAS unavailable: " + loadError);
        long[] h = new long[1];
        check(nativeCreate(h), "cublasCreate", device);
        DeviceMemory ws = DeviceMemory.allocate(WORKSPACE_BYTES, "cuBLAS workspace", device);
        Cublas c = new Cublas(h[0], ws);
        check(nativeSetWorkspace(h[0], ws.address, ws.bytes), "cublasSetWorkspace", device);
        return c;
    }

    /**
     * out[T, n] = x[T, k] · w[n, k]^T on {@code stream}, or out += (accumulate; float32 out only); x, w
     * BF16 device addresses, out float32 or BF16.
     */
    void gemm(long stream, int T, int n, int k, long w, long x, long out, boolean outBf16, boolean accumulate) {
        if (stream != boundStream) {
            check(nativeSetStream(handle, stream), "cublasSetStream", "");
            check(nativeSetWorkspace(handle, workspace.address, workspace.bytes), "cublasSetWorkspace", "");
            boundStream = stream;
        }
        int status = nativeGemm(handle, T, n, k, w, x, out, outBf16, accumulate ? 1f : 0f);
        if (status != 0) {
            throw new CudaException("cublasGemmEx BF16 out[T=" + T + ", n=" + n + "] " + (accumulate ? "+" : "") + "= x[T, k="
                    + k + "] · w[n, k]^T (out " + (outBf16 ? "BF16" : "f32") + ") failed: " + statusName(status));
        }
    }

    /**
     * out[T, n] (f32 or BF16, += for accumulate: f32 only) = x[T, k] · w[n, k]^T with x and w E4M3
     * device bytes, float32 accumulation, on {@code stream}. outerVec: cuBLASLt multiplies by
     * xScale[t] * wScale[j] (device f32 vectors) itself; else the product is unscaled (an epilogue
     * scales it). With outerVec, a failing status is returned (0: success), so the caller can fall
     * back to the unscaled GEMM where cuBLASLt refuses outer-vector scales (older cuBLASLt or GPU);
     * an unscaled GEMM that fails throws.
     */
    int gemmFp8(long stream, int T, int n, int k, long w, long wScale, long x, long xScale, long out,
                    boolean outBf16, boolean accumulate, boolean outerVec) {
        String why = fp8UnavailableReason();
        if (why != null) throw new CudaException("FP8 GEMM unavailable: " + why);
        if (lt == 0) {
            long[] h = new long[1];
            check(nativeLtCreate(h), "cublasLtCreate", "");
            lt = h[0];
        }
        int status = nativeLtMatmulFp8(lt, stream, workspace.address, workspace.bytes, T, n, k, w, wScale, x, xScale,
                out, outBf16, accumulate, outerVec);
        if (outerVec) return status;
        if (status != 0) {
            throw new CudaException("cublasLtMatmul FP8 out[T=" + T + ", n=" + n + "] " + (accumulate ? "+" : "")
                    + "= x[T, k=" + k + "] · w[n, k]^T (E4M3, out " + (outBf16 ? "BF16" : "f32") + ", unscaled) failed: "
                    + statusName(status));
        }
        return 0;
    }

    int version() {
        int[] v = new int[1];
        check(nativeVersion(handle, v), "cublasGetVersion", "");
        return v[0];
    }

    private static void check(int status, String what, String device) {
        if (status != 0) throw new CudaException(device + (device.isEmpty() ? "" : ": ") + what + " failed: " + statusName(status));
    }

    /** cublasStatus_t names (cublas_api.h). */
    static String statusName(int status) {
        switch (status) {
            case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3: return "CUBLAS_STATUS_ALLOC_FAILED";
            case 7: return "CUBLAS_STATUS_INVALID_VALUE";
            case 8: return "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11: return "CUBLAS_STATUS_MAPPING_ERROR";
            case 13: return "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14: return "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16: return "CUBLAS_STATUS_LICENSE_ERROR";
            default: return "cublasStatus " + status;
        }
    }

    @Override
    public void close() {
        if (lt != 0) nativeLtDestroy(lt);
        nativeDestroy(handle);
        workspace.close();
    }

    private static native String nativeOpen(String candidates);

    private static native String nativeLibraryName();

    private static native int nativeCreate(long[] handle);

    private static native int nativeDestroy(long handle);

    private static native int nativeSetStream(long handle, long stream);

    private static native int nativeSetWorkspace(long handle, long ptr, long bytes);

    private static native int nativeVersion(long handle, int[] version);

    private static native String nativeOpenLt(String candidates);

    private static native String nativeLtLibraryName();

    private static native int nativeLtCreate(long[] context);

    private static native int nativeLtDestroy(long context);

    private static native int nativeLtMatmulFp8(long context, long stream, long workspace, long workspaceBytes, int T,
                                                int n, int k, long w, long wScale, long x, long xScale, long out,
                                                boolean outBf16, boolean accumulate, boolean outerVec);

    private static native int nativeGemm(long handle, int T, int n, int k, long w, long x, long out, boolean outBf16,
                                         float beta);
}
