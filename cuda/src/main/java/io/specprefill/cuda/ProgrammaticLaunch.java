package io.specprefill.cuda;

/**
 * Programmatic dependent launch (sm_90): a kernel launched with the driver's
 * CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION may start while the kernel before it on the
 * stream drains, and runs what does not depend on it (gemv_v3 issues its weight loads) before
 * {@code griddepcontrol.wait}, which waits for that kernel to finish and its writes to land. A decode
 * step is a chain of short kernels, each of which otherwise starts only after the last block of the
 * one before has ended. Kernels opt in ({@link Launcher.Kernel#programmatic}); it holds inside CUDA
 * graphs too (stream capture makes the edge programmatic).
 *
 * <p>JCuda has no cuLaunchKernelEx, so this goes through our JNI bridge (libsplaunch.so, dlopen()ing
 * the driver). On by default where the bridge loads and the device is sm_90 or newer;
 * {@code -Dspecprefill.cuda.pdl=false} turns it off (every kernel then launches through JCuda).
 */
final class ProgrammaticLaunch {
    static final String LIBRARY_RESOURCE = "/native/linux-x86_64/libsplaunch.so";
    private static boolean loadTried;
    private static String loadError;

    private ProgrammaticLaunch() {
    }

    /** Whether launches with the attribute are possible here (the bridge and the driver's entry point load). */
    static synchronized boolean available() {
        if (!loadTried) {
            loadTried = true;
            loadError = JniBridge.load(ProgrammaticLaunch.class, LIBRARY_RESOURCE, "launch");
            if (loadError == null) {
                String e = nativeOpen();
                if (e != null) loadError = "cannot find cuLaunchKernelEx in the CUDA driver: " + e;
            }
        }
        return loadError == null;
    }

    /** Why {@link #available()} is false; null when it is true. */
    static synchronized String unavailableReason() {
        available();
        return loadError;
    }

    /** Whether a backend on a device of this compute capability (major * 10 + minor) launches programmatically. */
    static boolean enabled(int computeCapability) {
        return computeCapability >= 90 && !"false".equals(System.getProperty("specprefill.cuda.pdl", "true")) && available();
    }

    /** One launch with the attribute; the CUresult (0 = success). params: n 8-byte slots, one per parameter. */
    static int launch(long function, int gx, int gy, int gz, int block, int sharedBytes, long stream, long[] params,
                      int n) {
        return nativeLaunch(function, gx, gy, gz, block, sharedBytes, stream, params, n);
    }

    private static native String nativeOpen();

    private static native int nativeLaunch(long function, int gx, int gy, int gz, int block, int sharedBytes,
                                           long stream, long[] params, int n);
}
