package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.SeqBatch;
import io.specprefill.udf.model.HostTensor;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * {@link Backend} on one NVIDIA GPU (the caller picks the device ordinal). Weights live in BF16
 * (norm vectors f32), activations in float32, the KV cache in BF16; GEMMs go to cuBLAS with float32
 * accumulation, everything else to this module's kernels (see {@link Kernels}). All work runs in
 * call order on one stream of the device's primary context; {@code read} waits for it.
 *
 * <p>Why float32 activations: the Backend contract is float32, the residual stream keeps full
 * precision through every layer, and the cost is small: prefill time goes to GEMMs and attention
 * (BF16 operands), decode time to reading weights and the cache (BF16).
 *
 * <p>Not thread-safe (one backend per task); it may be called from any thread, and binds its context
 * to the calling thread. A device allocation that does not fit throws {@link CudaOutOfMemoryException}.
 */
public final class CudaBackend implements Backend {
    /** Which attention kernel serves {@link #attention}: AUTO picks by the batch (tests force one). */
    enum AttentionPath { AUTO, PREFILL, DECODE }

    private final String name;
    private final int ordinal;
    private final CUdevice device;
    private final CUcontext context;
    private final CUstream stream;
    private final KernelModules modules;
    private final Launcher launcher;
    private final Cublas cublas;
    private final Kernels kernels;
    private final Scratch scratch;
    private final AttentionTiles tiles;
    private final String deviceName;
    private final int computeCapability;
    AttentionPath attentionPath = AttentionPath.AUTO;
    /**
     * Kernel versions of attention_prefill.cu and attention_decode.cu: the live ones (3, 2) unless system
     * properties specprefill.cuda.prefillVersion / decodeVersion say otherwise; tests run every version.
     */
    int prefillVersion;
    int decodeVersion;

    /** Back to AUTO attention and the configured kernel versions (tests change them). */
    void resetKernelChoice() {
        attentionPath = AttentionPath.AUTO;
        prefillVersion = Integer.getInteger("specprefill.cuda.prefillVersion", 3);
        decodeVersion = Integer.getInteger("specprefill.cuda.decodeVersion", 2);
    }

    private CudaBackend(int ordinal) {
        Cuda.require();
        this.ordinal = ordinal;
        this.name = "cuda:" + ordinal;
        this.device = Cuda.device(ordinal);
        this.context = Cuda.primaryContext(device, ordinal);
        Cuda.bind(context);
        this.computeCapability = Cuda.computeCapability(device);
        this.deviceName = Cuda.deviceName(device);
        this.stream = new CUstream();
        Cuda.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_DEFAULT), name + ": cuStreamCreate");
        this.modules = new KernelModules(computeCapability, name);
        this.launcher = new Launcher(name, stream, modules);
        this.cublas = Cublas.create(name);
        this.kernels = new Kernels(launcher, cublas);
        this.scratch = new Scratch(launcher);
        this.tiles = new AttentionTiles(launcher);
        resetKernelChoice();
    }

    /** A backend on device {@code ordinal}; a clear CudaException when CUDA, the device or cuBLAS is missing. */
    public static CudaBackend open(int ordinal) {
        return new CudaBackend(ordinal);
    }

    @Override
    public String name() {
        return name;
    }

    /** Device, compute capability, driver and cuBLAS, for logs and benchmark headers. */
    public String describe() {
        bind();
        return name + " " + deviceName + " (sm_" + computeCapability + "), driver " + Cuda.driverVersion()
                + ", cuBLAS " + cublas.version() + " from " + Cublas.libraryName();
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
        return WeightUpload.upload(rowBlocks, name);
    }

    /** A [rows, cols] BF16 weight of uniform values in [-scale, scale), generated on the device. */
    Weight randomWeight(long rows, long cols, long seed, float scale, String what) {
        bind();
        DeviceMemory mem = DeviceMemory.allocate(rows * cols * 2, "weight " + what, name);
        kernels.fillUniformBf16(mem.address, rows * cols, seed, scale);
        return new Handles.Weight(mem, rows, cols, Handles.Format.BF16, what);
    }

    /** A [1, n] f32 weight (a norm vector) filled with {@code value}. */
    Weight constantVector(int n, float value, String what) {
        bind();
        DeviceMemory mem = DeviceMemory.allocate(n * 4L, "weight " + what, name);
        kernels.fillF32(mem.address, n, value);
        return new Handles.Weight(mem, 1, n, Handles.Format.F32, what);
    }

    @Override
    public Tensor tensor(long size) {
        bind();
        return new Handles.Tensor(DeviceMemory.allocate(size * 4, "tensor of " + size + " floats", name), size);
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
        d.mem.upload(dstOffset * 4, Pointer.to(src), n * 4L);
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
        s.mem.download(srcOffset * 4, Pointer.to(dst), n * 4L);
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

    // ---------------------------------------------------------------- ops: see CudaOps for the checks
    private final CudaOps ops = new CudaOps(this);

    @Override
    public void embed(Tensor out, Weight table, Ints tokens, int T, int dim) {
        ops.embed(out, table, tokens, T, dim);
    }

    @Override
    public void rmsnorm(Tensor out, Tensor x, Weight w, int T, int dim, float eps) {
        ops.rmsnorm(out, x, w, T, dim, eps);
    }

    @Override
    public void matmul(Tensor out, Tensor x, Weight w, int T, int n, int k) {
        ops.matmul(out, x, w, T, n, k);
    }

    @Override
    public void rope(Tensor qkv, Ints positions, Tensor invFreq, int T, int nHeads, int nKvHeads, int headDim) {
        ops.rope(qkv, positions, invFreq, T, nHeads, nKvHeads, headDim);
    }

    @Override
    public void kvWrite(KvCache cache, int layer, Tensor qkv, SeqBatch batch, int nHeads) {
        ops.kvWrite(cache, layer, qkv, batch, nHeads);
    }

    @Override
    public void attention(Tensor out, Tensor qkv, KvCache cache, int layer, SeqBatch batch, int nHeads) {
        ops.attention(out, qkv, cache, layer, batch, nHeads, attentionPath);
    }

    @Override
    public void swiglu(Tensor out, Tensor gateUp, int T, int hidden) {
        ops.swiglu(out, gateUp, T, hidden);
    }

    @Override
    public void add(Tensor x, Tensor y, long n) {
        ops.add(x, y, n);
    }

    @Override
    public void gatherRows(Tensor dst, long dstOffset, Tensor src, Ints rows, int R, int srcStride, int colOffset,
                           int width) {
        ops.gatherRows(dst, dstOffset, src, rows, R, srcStride, colOffset, width);
    }

    @Override
    public void argmax(Ints out, Tensor logits, int R, int vocab) {
        ops.argmax(out, logits, R, vocab);
    }

    @Override
    public void sampleTopP(Ints out, Tensor logits, int R, int vocab, float[] temperature, float[] topP,
                           float[] uniforms) {
        ops.sampleTopP(out, logits, R, vocab, temperature, topP, uniforms);
    }

    @Override
    public void importance(Tensor out, long outOffset, Tensor queries, KvCache cache, int seq, int n, int nQueries,
                           int maxQueries, int poolKernel, int nHeads) {
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

    AttentionTiles tiles() {
        return tiles;
    }

    @Override
    public void close() {
        bind();
        JCudaDriver.cuStreamSynchronize(stream);
        tiles.close();
        scratch.close();
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
