package io.specprefill.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * cuDNN's fused flash attention for causal prefill: O = softmax(Q K^T / sqrt(D), causal) V in BF16,
 * the kernel that PyTorch's {@code SDPBackend.CUDNN_ATTENTION} runs, reached through cuDNN's backend
 * graph API by our own small JNI bridge ({@code src/main/native/spcudnn.c}, built with gcc, no cuDNN
 * headers needed). The bridge {@code dlopen}s whatever cuDNN 9 the machine has: the path in system
 * property {@code specprefill.cudnn.library}, then {@code libcudnn.so.9} on the library path, then
 * the usual CUDA folders.
 *
 * <p>Why a library kernel: on Hopper it runs causal GQA attention at about 600 TFLOP/s (H200, D=128),
 * twice our mma.sync kernel (attention_prefill.cu, which stays as its test twin and as the path for
 * batches cuDNN's graph does not cover, and where no cuDNN is installed).
 *
 * <p>One instance per CudaBackend (its handle is bound to the backend's stream). A plan is built per
 * shape (H, G, S, D and the row strides) on first use and cached (LRU), since a prompt's prefill
 * reuses it in every layer. Building one compiles a kernel: 40-75 ms on an H200, paid again for every
 * new prompt length, which is why CudnnPlanPolicy (in CudaOps) decides per prefill whether a plan
 * pays, timing the builds here. With dynamic shapes ({@code specprefill.cudnn.dynamicShapes}, cuDNN 9.4+) the
 * graphs of one topology (all but S equal) share a kernel cache, so a new length binds the kernel
 * compiled for the first one; where cuDNN refuses that, plans go back to one kernel each and the log
 * says so once. Measured with cuDNN 9.19 on an H200, a new length still cost 39-50 ms that way (the
 * cache was made and used), so it is off by default.
 */
public final class Cudnn implements AutoCloseable {
    static final String LIBRARY_RESOURCE = "/native/linux-x86_64/libspcudnn.so";
    private static final int PLAN_CACHE = 64;

    private static final System.Logger LOG = System.getLogger("io.specprefill.cuda");
    private static boolean attentionLogged;
    private static boolean loadTried;
    private static String loadError;
    private static String libraryName;
    private static long version;

    private final long handle;
    private final String device;
    private final Map<List<Long>, Plan> plans = new LinkedHashMap<>(16, 0.75f, true);
    /** Dynamic shapes: a kernel cache per topology (the plan key without S), and the plan that made it. */
    private final Map<List<Long>, Long> kernelCaches = new LinkedHashMap<>();
    private final List<Plan> cacheOwners = new ArrayList<>();
    /** Why cuDNN refused a dynamic-shape plan here (then every plan is static); null while it has not. */
    private String dynamicRefused;
    private final CudnnPlanPolicy.BuildTimes buildTimes = new CudnnPlanPolicy.BuildTimes();

    /** A built execution plan: its native pointer and the workspace it needs. */
    record Plan(long pointer, long workspaceBytes) {
    }

    private Cudnn(long handle, String device) {
        this.handle = handle;
        this.device = device;
    }

    /** Loads the bridge and cuDNN 9, once per JVM; true when both loaded. */
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

    /** "cuDNN 91900 from libcudnn.so.9", or why there is none. */
    public static synchronized String describe() {
        return available() ? "cuDNN " + version + " from " + libraryName : "no cuDNN (" + loadError + ")";
    }

    private static String load() {
        String bridgeError = JniBridge.load(Cudnn.class, LIBRARY_RESOURCE, "cuDNN");
        if (bridgeError != null) return bridgeError;
        String candidates = String.join(":", candidates());
        String error = nativeOpen(candidates);
        if (error != null) return "cannot open cuDNN 9 (tried " + candidates + "): " + error;
        libraryName = nativeLibraryName();
        version = nativeVersion();
        return null;
    }

    private static List<String> candidates() {
        List<String> names = new ArrayList<>();
        String configured = System.getProperty("specprefill.cudnn.library");
        if (configured != null && !configured.isBlank()) names.add(configured);
        names.add("libcudnn.so.9");
        String env = System.getenv("CUDA_HOME");
        for (String home : env == null ? new String[]{"/usr/local/cuda"} : new String[]{env, "/usr/local/cuda"}) {
            names.add(home + "/lib64/libcudnn.so.9");
            names.add(home + "/targets/x86_64-linux/lib/libcudnn.so.9");
        }
        names.add("/usr/lib/x86_64-linux-gnu/libcudnn.so.9");
        return names;
    }

    /**
     * cuDNN per specprefill.cuda.attention: "kernels" never opens it, "cudnn" requires it, "auto" takes
     * it when it loads and says once per JVM which attention serves prefills.
     */
    static Cudnn forBackend(String device, long stream) {
        String setting = KernelChoice.attentionSetting();
        if (setting.equals("kernels")) return null;
        if (!available()) {
            if (setting.equals("cudnn")) {
                throw new CudaException(device + ": specprefill.cuda.attention=cudnn but cuDNN 9 is unavailable: "
                        + unavailableReason());
            }
            logAttentionOnce(device + ": prefill attention by attention_prefill (our kernel); cuDNN's fused attention"
                    + " would be about 2x faster at long prompts: " + unavailableReason());
            return null;
        }
        logAttentionOnce(device + ": prefill attention by cuDNN's fused attention (" + describe() + ")");
        return Cudnn.create(device, stream);
    }

    private static synchronized void logAttentionOnce(String message) {
        if (attentionLogged) return;
        attentionLogged = true;
        LOG.log(System.Logger.Level.INFO, message);
    }

    /** A handle on the current context, bound to {@code stream}. */
    static Cudnn create(String device, long stream) {
        if (!available()) throw new CudaException(device + ": cuDNN unavailable: " + loadError);
        long[] h = new long[1];
        check(nativeCreate(h), device);
        Cudnn c = new Cudnn(h[0], device);
        check(nativeSetStream(h[0], stream), device);
        return c;
    }

    /**
     * The plan for causal attention of S query rows over the first S keys of one sequence: Q rows of
     * {@code qRowStride} BF16 elements (head h at h * D), output rows of {@code oRowStride}, keys and
     * values [G][kvHeadStride / D][D].
     */
    Plan plan(int nHeads, int nKvHeads, int S, int headDim, long qRowStride, long oRowStride, long kvHeadStride,
              boolean dynamicShapes) {
        List<Long> key = key(nHeads, nKvHeads, S, headDim, qRowStride, oRowStride, kvHeadStride);
        Plan p = plans.get(key);
        if (p != null) return p;
        long[] shape = key.stream().mapToLong(Long::longValue).toArray();
        long[] out = new long[2];
        long start = System.nanoTime();
        p = dynamicShapes && dynamicRefused == null ? dynamicPlan(key, shape, out) : null;
        if (p == null) {
            check(nativeSdpaPlan(handle, shape, null, out), device);
            p = new Plan(out[0], out[1]);
        }
        buildTimes.add((System.nanoTime() - start) / 1e6);
        plans.put(key, p);
        if (plans.size() > PLAN_CACHE) {
            var eldest = plans.entrySet().iterator().next();
            if (!cacheOwners.contains(eldest.getValue())) nativeDestroyPlan(eldest.getValue().pointer());
            plans.remove(eldest.getKey());
        }
        return p;
    }

    /** The key of {@link #plan}'s cache. */
    static List<Long> key(int nHeads, int nKvHeads, int S, int headDim, long qRowStride, long oRowStride,
                          long kvHeadStride) {
        return List.of((long) nHeads, (long) nKvHeads, (long) S, (long) headDim, qRowStride, oRowStride, kvHeadStride);
    }

    /** Whether the plan of {@code key} is built and cached (no build, no change to the LRU order). */
    boolean hasPlan(List<Long> key) {
        return plans.containsKey(key);
    }

    /** The wall times of this handle's plan builds (CudnnPlanPolicy prices plans by them). */
    CudnnPlanPolicy.BuildTimes buildTimes() {
        return buildTimes;
    }

    /** A dynamic-shape plan through its topology's kernel cache; null (said once) where cuDNN refuses it. */
    private Plan dynamicPlan(List<Long> key, long[] shape, long[] out) {
        List<Long> topology = new ArrayList<>(key);
        topology.remove(2);   // S
        long[] cache = {kernelCaches.getOrDefault(topology, 0L)};
        String error = nativeSdpaPlan(handle, shape, cache, out);
        if (error != null) {
            dynamicRefused = error;
            LOG.log(System.Logger.Level.WARNING, device + ": cuDNN refused a dynamic-shape attention plan, so every"
                    + " prompt length builds its own plan (tens of ms each): " + error);
            return null;
        }
        Plan p = new Plan(out[0], out[1]);
        if (!kernelCaches.containsKey(topology)) {
            kernelCaches.put(topology, cache[0]);
            cacheOwners.add(p);   // the cache refers to this plan's graph: it stays until close
        }
        return p;
    }

    /** Kernel caches made so far (tests: dynamic shapes were used, not refused). */
    int kernelCaches() {
        return kernelCaches.size();
    }

    /** Why cuDNN refused dynamic shapes on this handle; null if it has not. */
    String dynamicRefused() {
        return dynamicRefused;
    }

    /** Runs {@code plan} on the handle's stream: device addresses of Q, K, V, O and the workspace. */
    void sdpa(Plan plan, long q, long k, long v, long o, long workspace, float scale) {
        check(nativeSdpaExecute(handle, plan.pointer(), q, k, v, o, workspace, scale), device);
    }

    int cachedPlans() {
        return plans.size();
    }

    private static void check(String error, String device) {
        if (error != null) throw new CudaException(device + ": cuDNN " + error);
    }

    @Override
    public void close() {
        for (Plan p : plans.values()) {
            if (!cacheOwners.contains(p)) nativeDestroyPlan(p.pointer());
        }
        plans.clear();
        for (long c : kernelCaches.values()) nativeDestroyKernelCache(c);
        kernelCaches.clear();
        for (Plan p : cacheOwners) nativeDestroyPlan(p.pointer());
        cacheOwners.clear();
        nativeDestroy(handle);
    }

    private static native String nativeOpen(String candidates);

    private static native String nativeLibraryName();

    private static native long nativeVersion();

    private static native String nativeCreate(long[] handle);

    private static native void nativeDestroy(long handle);

    private static native String nativeSetStream(long handle, long stream);

    /** cacheInOut null: a static-shape plan; else dynamic, through kernel cache cacheInOut[0] (0: made here). */
    private static native String nativeSdpaPlan(long handle, long[] shape, long[] cacheInOut, long[] out);

    private static native void nativeDestroyKernelCache(long cache);

    private static native void nativeDestroyPlan(long plan);

    private static native String nativeSdpaExecute(long handle, long plan, long q, long k, long v, long o,
                                                   long workspace, float scale);
}
