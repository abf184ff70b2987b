package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.SeqBatch;
import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.Fp8Matrix;
import io.specprefill.udf.model.HostTensor;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * {@link Backend} on one NVIDIA GPU (the caller picks the device ordinal). Weights live in BF16
 * (norm vectors f32), the KV cache in BF16, the residual stream and logits in float32, and the
 * narrow activations ({@link #narrowTensor}: normed inputs, q|k|v, attention output, gate|up) in BF16,
 * as a BF16 PyTorch model holds them; FP8 projections ({@link #weightFp8}) as E4M3 with f32 row
 * scales, multiplied by cuBLASLt's FP8 GEMMs ({@link Fp8Kernels}). GEMMs go to cuBLAS, causal prefill
 * attention to cuDNN's fused kernel where cuDNN 9 is installed (see {@link KernelChoice}), everything
 * else to this module's kernels ({@link Kernels}). All work runs in call order on one stream of the
 * device's primary context; {@code read} waits for it. Decode steps may be replayed as CUDA graphs
 * ({@link #replay}).
 *
 * <p>Not thread-safe (one backend per task); it may be called from any thread, and binds its context
 * to the calling thread. A device allocation that does not fit throws {@link CudaOutOfMemoryException}.
 */
public final class CudaBackend implements Backend {
    private final String name;
    private final int ordinal;
    private final CUdevice device;
    private final CUcontext context;
    private final CUstream stream;
    private final KernelModules modules;
    private final Launcher launcher;
    private final Cublas cublas;
    private final Cudnn cudnn;   // null without cuDNN or with specprefill.cuda.attention=kernels
    private UploadStaging staging;   // see staging()
    private final Object stagingLock = new Object();
    private final Kernels kernels;
    private final Scratch scratch;
    private final AttentionTiles tiles;
    private final StepGraphs graphs;
    private final CudaOps ops;
    private final Fp8Kernels fp8;
    private final String deviceName;
    private final int computeCapability;
    private final int multiprocessors;
    /** Kernel versions and paths; tests change them on a live backend. */
    final KernelChoice choice = new KernelChoice();

    private CudaBackend(int ordinal) {
        Cuda.require();
        this.ordinal = ordinal;
        this.name = "cuda:" + ordinal;
        this.device = Cuda.device(ordinal);
        this.context = Cuda.primaryContext(device, ordinal);
        Cuda.bind(context);
        this.computeCapability = Cuda.computeCapability(device);
        this.multiprocessors = Cuda.attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        this.deviceName = Cuda.deviceName(device);
        this.stream = new CUstream();
        Cuda.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_DEFAULT), name + ": cuStreamCreate");
        this.modules = new KernelModules(computeCapability, name);
        this.launcher = new Launcher(name, stream, modules, ProgrammaticLaunch.enabled(computeCapability));
        this.cublas = Cublas.create(name);
        this.cudnn = Cudnn.forBackend(name, launcher.streamAddress);
        this.kernels = new Kernels(launcher, cublas,
                Cuda.attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR));
        this.scratch = new Scratch(launcher);
        this.tiles = new AttentionTiles(launcher);
        this.graphs = new StepGraphs(launcher);
        this.fp8 = new Fp8Kernels(launcher, cublas, scratch);
        this.ops = new CudaOps(kernels, fp8, scratch, tiles, choice, cudnn, multiprocessors);
    }

    /** A backend on device {@code ordinal}; a clear CudaException when CUDA, the device or cuBLAS is missing. */
    public static CudaBackend open(int ordinal) {
        return new CudaBackend(ordinal);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] memoryInfo() {
        bind();
        long[] free = new long[1], total = new long[1];
        Cuda.check(JCudaDriver.cuMemGetInfo(free, total), name() + ": cuMemGetInfo");
        return new long[]{free[0], total[0]};
    }

    @Override
    public boolean memoryInfoExact() {
        return true;
    }

    @Override
    public int narrowBytes() {
        return 2;
    }

    @Override
    public int kvCacheBytes() {
        return 2;
    }

    /** Device, compute capability, driver, cuBLAS and cuDNN, for logs and benchmark headers. */
    public String describe() {
        bind();
        return name + " " + deviceName + " (sm_" + computeCapability + ", " + multiprocessors + " SMs), driver "
                + Cuda.driverVersion() + ", cuBLAS " + cublas.version() + " from " + Cublas.libraryName() + ", "
                + (Cublas.fp8UnavailableReason() == null ? "FP8 GEMMs by " + Cublas.ltLibraryName() : "no FP8 GEMMs ("
                + Cublas.fp8UnavailableReason() + ")") + ", "
                + (cudnn != null ? Cudnn.describe() : "prefill attention by our kernels (" + (Cudnn.available()
                ? "specprefill.cuda.attention=kernels" : Cudnn.describe()) + ")") + ", programmatic launch "
                + (launcher.programmaticLaunch ? "on" : "off (" + (computeCapability < 90 ? "needs sm_90"
                : ProgrammaticLaunch.available() ? "specprefill.cuda.pdl=false" : ProgrammaticLaunch.unavailableReason()) + ")");
    }

    /** Whether cuDNN's fused attention is in use for prefills. */
    boolean usesCudnn() {
        return cudnn != null && choice.cudnn;
    }

    /** cuDNN's handle and plans (null without cuDNN); tests. */
    Cudnn cudnn() {
        return cudnn;
    }

    Cublas cublas() {
        return cublas;
    }

    Kernels kernels() {
        bind();
        return kernels;
    }

    void bind() {
        Cuda.bind(context);
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Weight weight(HostTensor... rowBlocks) {
        bind();
        UploadStaging st = staging();
        synchronized (st.lock) {
            return WeightUpload.upload(rowBlocks, name, st);
        }
    }

    @Override
    public Weight weightFp8(Fp8Matrix... rowBlocks) {   // E4M3 codes + f32 row scales (WeightUpload.uploadFp8)
        bind();
        UploadStaging st = staging();
        synchronized (st.lock) {
            return WeightUpload.uploadFp8(rowBlocks, name, st);
        }
    }

    /**
     * The weights' upload path (pinned buffers, a stream of its own), made on first use. Weight
     * uploads are the one backend call that may run beside another thread's batch (a model loading
     * while another runs, ModelCache.prefetch): they touch only their own allocations and this.
     */
    private UploadStaging staging() {
        synchronized (stagingLock) {   // not this: tasks hold the backend's monitor for a whole batch
            if (staging == null) staging = new UploadStaging(name);
            return staging;
        }
    }

    Fp8Kernels fp8() {   // tests (which version ran) and benchmarks
        bind();
        return fp8;
    }

    @Override
    public Tensor tensor(long size) {
        bind();
        return new Handles.Tensor(DeviceMemory.allocate(size * 4, "tensor of " + size + " floats", name), size,
                Handles.Elem.F32);
    }

    /** BF16 storage (see the class comment). */
    @Override
    public Tensor narrowTensor(long size) {
        bind();
        return new Handles.Tensor(DeviceMemory.allocate(size * 2, "BF16 tensor of " + size + " values", name), size,
                Handles.Elem.BF16);
    }

    @Override
    public Ints ints(int size) {
        bind();
        return new Handles.Ints(DeviceMemory.allocate(size * 4L, "ints of " + size, name), size);
    }

    @Override
    public KvCache kvCache(int layers, int batch, int capacity, int nKvHeads, int headDim) {
        bind();
        long bytes = 2L * layers * batch * nKvHeads * capacity * headDim;
        String what = "KV cache [" + layers + " layers][" + batch + "][" + nKvHeads + "][" + capacity + "][" + headDim + "]";
        DeviceMemory k = DeviceMemory.allocate(bytes, "keys of " + what, name);
        try {
            DeviceMemory v = DeviceMemory.allocate(bytes, "values of " + what, name);
            return new Handles.KvCache(k, v, layers, batch, capacity, nKvHeads, headDim);
        } catch (RuntimeException e) {
            k.close();
            throw e;
        }
    }

    @Override
    public void write(Tensor dst, long dstOffset, float[] src, int n) {
        bind();
        Handles.Tensor d = Checks.tensor(dst, dstOffset + n, "write dst");
        Checks.arrayLength(src.length, n, "write src");
        if (d.bf16()) {
            short[] bits = new short[n];
            for (int i = 0; i < n; i++) bits[i] = DType.floatToBf16(src[i]);
            d.mem.upload(dstOffset * 2, Pointer.to(bits), n * 2L);
        } else {
            d.mem.upload(dstOffset * 4, Pointer.to(src), n * 4L);
        }
    }

    @Override
    public void write(Ints dst, int[] src, int n) {
        bind();
        Handles.Ints d = Checks.ints(dst, n, "write dst");
        Checks.arrayLength(src.length, n, "write src");
        d.mem.upload(0, Pointer.to(src), n * 4L);
    }

    @Override
    public void read(Tensor src, long srcOffset, float[] dst, int n) {
        bind();
        Handles.Tensor s = Checks.tensor(src, srcOffset + n, "read src");
        Checks.arrayLength(dst.length, n, "read dst");
        launcher.synchronize("read");
        if (s.bf16()) {
            short[] bits = new short[n];
            s.mem.download(srcOffset * 2, Pointer.to(bits), n * 2L);
            for (int i = 0; i < n; i++) dst[i] = DType.bf16ToFloat(bits[i]);
        } else {
            s.mem.download(srcOffset * 4, Pointer.to(dst), n * 4L);
        }
    }

    @Override
    public void read(Ints src, int[] dst, int n) {
        bind();
        Handles.Ints s = Checks.ints(src, n, "read src");
        Checks.arrayLength(dst.length, n, "read dst");
        launcher.synchronize("read");
        s.mem.download(0, Pointer.to(dst), n * 4L);
    }

    @Override
    public void synchronize() {
        bind();
        launcher.synchronize("synchronize");
    }

    /** A captured CUDA graph per key (see {@link StepGraphs}), when graphs are on. */
    @Override
    public void replay(Object key, Runnable step) {
        bind();
        if (choice.graphs) graphs.run(key, step);
        else step.run();
    }

    /**
     * E.g. "cuda:0 so far: fresh prefills by cuDNN 12 steps (48 plans built: the first 873 ms with
     * cuDNN's start-up, the others 67.8 ms each, priced at 41.0), by attention_prefill 4 steps where a
     * plan would not pay; CUDA graphs 2 captured, 492 replays".
     */
    @Override
    public String activity() {
        long[] steps = ops.cudnnChoices();
        long[] g = graphCounts();
        CudnnPlanPolicy.BuildTimes t = cudnn == null ? null : cudnn.buildTimes();
        String attention = t == null ? "" : String.format(java.util.Locale.ROOT, "fresh prefills by cuDNN %d step%s"
                        + " (%d plans built: the first %.0f ms with cuDNN's start-up, the others %.1f ms each, priced"
                        + " at %.1f), by attention_prefill %d step%s where a plan would not pay; ",
                steps[0], steps[0] == 1 ? "" : "s", t.builds(), t.firstMillis(), t.meanMillis(), t.price(), steps[1],
                steps[1] == 1 ? "" : "s");
        return name + " so far: " + attention + "CUDA graphs " + g[0] + " captured, " + g[1] + " replays";
    }

    /** Fresh-prefill steps served by cuDNN, and by attention_prefill because a plan would not pay (tests). */
    long[] cudnnChoices() {
        return ops.cudnnChoices();
    }

    /** Graphs captured and replays launched (tests, benchmark notes). */
    long[] graphCounts() {
        return new long[]{graphs.captures(), graphs.replays()};
    }

    // ---------------------------------------------------------------- ops: see CudaOps for the checks

    @Override
    public void embed(Tensor out, Weight table, Ints tokens, int T, int dim) {
        bind();
        ops.embed(out, table, tokens, T, dim);
    }

    @Override
    public void rmsnorm(Tensor out, Tensor x, Weight w, int T, int dim, float eps) {
        bind();
        ops.rmsnorm(out, x, w, T, dim, eps);
    }

    @Override
    public void matmul(Tensor out, Tensor x, Weight w, int T, int n, int k) {
        bind();
        ops.matmul(out, x, w, T, n, k);
    }

    @Override
    public void attentionInput(Tensor qkv, Tensor xb, Tensor x, Weight norm, Weight wqkv, Ints positions, Tensor invFreq,
                               KvCache cache, int layer, SeqBatch batch, int nHeads, int nKvHeads, int headDim, int dim,
                               float eps) {
        bind();
        ops.attentionInput(qkv, xb, x, norm, wqkv, positions, invFreq, cache, layer, batch, nHeads, nKvHeads, headDim,
                dim, eps);
    }

    @Override
    public void rmsnormGateUp(Tensor out, Tensor gateUp, Tensor xb, Tensor x, Weight norm, Weight w13, int T,
                              int hidden, int dim, float eps) {
        bind();
        ops.rmsnormGateUp(out, gateUp, xb, x, norm, w13, T, hidden, dim, eps);
    }

    @Override
    public void matmulAdd(Tensor x, Tensor in, Weight w, int T, int n, int k) {
        bind();
        ops.matmulAdd(x, in, w, T, n, k);
    }

    @Override
    public void rope(Tensor qkv, Ints positions, Tensor invFreq, int T, int nHeads, int nKvHeads, int headDim) {
        bind();
        ops.rope(qkv, positions, invFreq, T, nHeads, nKvHeads, headDim);
    }

    @Override
    public void kvWrite(KvCache cache, int layer, Tensor qkv, SeqBatch batch, int nHeads) {
        bind();
        ops.kvWrite(cache, layer, qkv, batch, nHeads);
    }

    @Override
    public void attention(Tensor out, Tensor qkv, KvCache cache, int layer, SeqBatch batch, int nHeads) {
        bind();
        ops.attention(out, qkv, cache, layer, batch, nHeads);
    }

    @Override
    public void addBias(Tensor x, Weight bias, int T, int n) {
        bind();
        ops.addBias(x, bias, T, n);
    }

    @Override
    public void rmsnormHeads(Tensor x, Weight w, int T, int stride, int offset, int heads, int headDim, float eps) {
        bind();
        ops.rmsnormHeads(x, w, T, stride, offset, heads, headDim, eps);
    }

    @Override
    public void swiglu(Tensor out, Tensor gateUp, int T, int hidden) {
        bind();
        ops.swiglu(out, gateUp, T, hidden);
    }

    @Override
    public void add(Tensor x, Tensor y, long n) {
        bind();
        ops.add(x, y, n);
    }

    @Override
    public void gatherRows(Tensor dst, long dstOffset, Tensor src, Ints rows, int R, int srcStride, int colOffset,
                           int width) {
        bind();
        ops.gatherRows(dst, dstOffset, src, rows, R, srcStride, colOffset, width);
    }

    @Override
    public void argmax(Ints out, Tensor logits, int R, int vocab) {
        bind();
        ops.argmax(out, logits, R, vocab);
    }

    @Override
    public void sampleTopP(Ints out, Tensor logits, int R, int vocab, float[] temperature, float[] topP,
                           float[] uniforms) {
        bind();
        ops.sampleTopP(out, logits, R, vocab, temperature, topP, uniforms);
    }

    @Override
    public void importance(Tensor out, long outOffset, Tensor queries, KvCache cache, int seq, int n, int nQueries,
                           int maxQueries, int poolKernel, int nHeads) {
        bind();
        ops.importance(out, outOffset, queries, cache, seq, n, nQueries, maxQueries, poolKernel, nHeads);
    }

    /** Tests: every element of the cache set to BF16 NaN, so stray or missing writes show. */
    void poisonCache(KvCache cache) {
        bind();
        Handles.KvCache c = Checks.cache(cache, 0, "poisonCache");
        for (DeviceMemory m : new DeviceMemory[]{c.k, c.v}) {
            Cuda.check(JCudaDriver.cuMemsetD16Async(m.ptr, (short) 0x7fc0, m.bytes / 2, stream), name + ": cuMemsetD16");
        }
    }

    /** Tests: one layer of keys (or values) widened to float32, [batch][G][capacity][D]. */
    float[] readCache(KvCache cache, int layer, boolean values) {
        bind();
        Handles.KvCache c = Checks.cache(cache, layer, "readCache");
        short[] bits = new short[Math.toIntExact(c.layerElements())];
        launcher.synchronize("readCache");
        DeviceMemory m = values ? c.v : c.k;
        m.download(layer * c.layerElements() * 2, Pointer.to(bits), bits.length * 2L);
        float[] out = new float[bits.length];
        for (int i = 0; i < bits.length; i++) out[i] = io.specprefill.udf.model.DType.bf16ToFloat(bits[i]);
        return out;
    }

    Scratch scratch() {
        return scratch;
    }

    Launcher launcher() {
        return launcher;
    }

    @Override
    public void close() {
        bind();
        JCudaDriver.cuStreamSynchronize(stream);
        graphs.close();
        tiles.close();
        scratch.close();
        if (cudnn != null) cudnn.close();
        synchronized (stagingLock) {
            if (staging != null) staging.close();
        }
        cublas.close();
        modules.close();
        JCudaDriver.cuStreamDestroy(stream);
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
    }

    @Override
    public String toString() {
        return name + " (" + deviceName + ", ordinal " + ordinal + ")";
    }
}
