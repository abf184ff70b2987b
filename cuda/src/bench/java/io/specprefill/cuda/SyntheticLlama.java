package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.LlamaConfig;

import java.util.List;

/**
 * Llama models of real shapes with random weights generated directly on the GPU (no host arrays of
 * gigabytes), for performance runs: they cost the same FLOPs and bytes as trained weights. Matrices
 * are uniform with standard deviation 0.02 (HF's initializer range), norm vectors 1. Benchmark code
 * (src/bench): the fill kernels are src/bench/cuda/synthetic.cu, built into the test classes.
 */
public final class SyntheticLlama {
    /** The names {@code --synthetic} accepts. */
    public static final List<String> NAMES = List.of("llama-3.2-1b", "llama-3.1-8b", "llama-3.1-70b");

    private static final int VOCAB = 128256;   // Llama 3's vocabulary
    private static final float STD = 0.02f;

    private SyntheticLlama() {
    }

    /** The config of a named real model (Hugging Face's config.json values). */
    public static LlamaConfig config(String name) {
        int[] eos = {128001, 128008, 128009};
        switch (name) {
            case "llama-3.2-1b":
                return new LlamaConfig(2048, 16, 32, 8, 64, 8192, VOCAB, 1e-5f, 500000f,
                        new LlamaConfig.RopeScaling("llama3", 32f, 1f, 4f, 8192), true, "bfloat16", 128000, eos,
                        131072, "synthetic:" + name);
            case "llama-3.1-8b":
                return new LlamaConfig(4096, 32, 32, 8, 128, 14336, VOCAB, 1e-5f, 500000f,
                        new LlamaConfig.RopeScaling("llama3", 8f, 1f, 4f, 8192), false, "bfloat16", 128000, eos,
                        131072, "synthetic:" + name);
            case "llama-3.1-70b":   // BF16 needs 141 GB: on one H200 only with FP8 projections (~70 GB)
                return new LlamaConfig(8192, 80, 64, 8, 128, 28672, VOCAB, 1e-5f, 500000f,
                        new LlamaConfig.RopeScaling("llama3", 8f, 1f, 4f, 8192), false, "bfloat16", 128000, eos,
                        131072, "synthetic:" + name);
            default:
                throw new IllegalArgumentException("synthetic model '" + name + "' is not known (known: " + NAMES + ")");
        }
    }

    /** A model of config c with BF16 weights generated on the backend's GPU from {@code seed}. */
    public static LlamaModel build(CudaBackend b, LlamaConfig c, long seed) {
        return build(b, c, seed, false);
    }

    /**
     * As {@link #build(CudaBackend, LlamaConfig, long)}; with fp8 the projections (wqkv, wo, w13, w2)
     * are FP8: each BF16 matrix is made, quantised per row on the device (quantize_fp8_v1_bf16, the rule
     * of weights_dtype: fp8) and freed, so a 70B model never needs its BF16 size.
     */
    public static LlamaModel build(CudaBackend b, LlamaConfig c, long seed, boolean fp8) {
        int L = c.nLayers();
        float scale = (float) (STD * Math.sqrt(3.0));   // uniform [-s, s) has std s / sqrt(3)
        long[] counter = {seed * 1000};   // one seed per tensor
        Backend.Weight[] attnNorm = new Backend.Weight[L], wqkv = new Backend.Weight[L], wo = new Backend.Weight[L],
                ffnNorm = new Backend.Weight[L], w13 = new Backend.Weight[L], w2 = new Backend.Weight[L];
        Backend.Weight embedding = randomWeight(b, c.vocabSize(), c.dim(), counter[0]++, scale, "embed_tokens");
        for (int l = 0; l < L; l++) {
            String p = "layers." + l + ".";
            attnNorm[l] = constantVector(b, c.dim(), 1f, p + "input_layernorm");
            wqkv[l] = projection(b, fp8, c.qDim() + 2L * c.kvDim(), c.dim(), counter[0]++, scale, p + "wqkv");
            wo[l] = projection(b, fp8, c.dim(), c.qDim(), counter[0]++, scale, p + "wo");
            ffnNorm[l] = constantVector(b, c.dim(), 1f, p + "post_attention_layernorm");
            w13[l] = projection(b, fp8, 2L * c.hiddenDim(), c.dim(), counter[0]++, scale, p + "w13");
            w2[l] = projection(b, fp8, c.dim(), c.hiddenDim(), counter[0]++, scale, p + "w2");
        }
        Backend.Weight finalNorm = constantVector(b, c.dim(), 1f, "norm");
        Backend.Weight lmHead = c.tiedEmbeddings() ? embedding
                : randomWeight(b, c.vocabSize(), c.dim(), counter[0]++, scale, "lm_head");
        return LlamaModel.of(b, c, new LlamaModel.BackendWeights(embedding, attnNorm, wqkv, wo, ffnNorm, w13, w2,
                finalNorm, lmHead));
    }

    // Kernel handles per call: a handle caches its function for one context, and benchmarks may open several.
    private static Launcher.Kernel fillBf16() {
        return new Launcher.Kernel("synthetic", "fill_uniform_bf16_v1");
    }

    /** A [rows, cols] BF16 weight of uniform values in [-scale, scale), generated on the device. */
    static Backend.Weight randomWeight(CudaBackend b, long rows, long cols, long seed, float scale, String what) {
        b.bind();
        DeviceMemory mem = DeviceMemory.allocate(rows * cols * 2, "weight " + what, b.name());
        b.launcher().launch(fillBf16(), 1024, 1, 1, 256, 0).ptr(mem.address).ptr(rows * cols).ptr(seed).f(scale).go();
        return new Handles.Weight(mem, rows, cols, Handles.Format.BF16, what);
    }

    private static Backend.Weight projection(CudaBackend b, boolean fp8, long rows, long cols, long seed, float scale,
                                             String what) {
        return fp8 ? randomFp8Weight(b, rows, cols, seed, scale, what) : randomWeight(b, rows, cols, seed, scale, what);
    }

    /** randomWeight's values quantised per row to FP8 on the device: E4M3 codes + f32 row scales. */
    static Backend.Weight randomFp8Weight(CudaBackend b, long rows, long cols, long seed, float scale, String what) {
        try (Backend.Weight bf16 = randomWeight(b, rows, cols, seed, scale, what)) {
            DeviceMemory codes = DeviceMemory.allocate(rows * cols, "FP8 weight " + what, b.name());
            DeviceMemory scales = DeviceMemory.allocate(rows * 4, "FP8 scales of " + what, b.name());
            b.fp8().quantize(codes.address, scales.address, ((Handles.Weight) bf16).mem.address, true,
                    Math.toIntExact(rows), Math.toIntExact(cols));
            b.synchronize();
            return new Handles.Weight(codes, rows, cols, Handles.Format.FP8, what, scales);
        }
    }

    /** A [1, n] f32 weight (a norm vector) filled with {@code value}. */
    static Backend.Weight constantVector(CudaBackend b, int n, float value, String what) {
        b.bind();
        DeviceMemory mem = DeviceMemory.allocate(n * 4L, "weight " + what, b.name());
        fillF32(b, mem.address, n, value);
        return new Handles.Weight(mem, 1, n, Handles.Format.F32, what);
    }

    /** dst [n] f32 = value. */
    static void fillF32(CudaBackend b, long dst, long n, float value) {
        Launcher l = b.launcher();
        Launcher.Kernel k = new Launcher.Kernel("synthetic", "fill_f32_v1");
        l.launch(k, l.blocks(Math.min(n, 1L << 20), 256, k), 1, 1, 256, 0).ptr(dst).ptr(n).f(value).go();
    }

    /** dst [n] BF16 uniform in [-scale, scale), a hash of (seed, index): benchmark inputs. */
    static void fillBf16(CudaBackend b, long dst, long n, long seed, float scale) {
        b.launcher().launch(fillBf16(), 1024, 1, 1, 256, 0).ptr(dst).ptr(n).ptr(seed).f(scale).go();
    }

    /** dst [n] f32 uniform in [-scale, scale), a hash of (seed, index): benchmark inputs. */
    static void fillUniformF32(CudaBackend b, long dst, long n, long seed, float scale) {
        b.launcher().launch(new Launcher.Kernel("synthetic", "fill_uniform_f32_v1"), 1024, 1, 1, 256, 0).ptr(dst).ptr(n).ptr(seed).f(scale).go();
    }

    /** Bytes of the model's weights on the device (BF16 matrices, f32 norms). */
    public static long weightBytes(LlamaConfig c) {
        return weightBytes(c, false);
    }

    /** As {@link #weightBytes(LlamaConfig)}; fp8: one byte per projection element plus its row scales. */
    public static long weightBytes(LlamaConfig c, boolean fp8) {
        long projection = (long) (c.qDim() + 2 * c.kvDim()) * c.dim() + (long) c.dim() * c.qDim() + 3L * c.hiddenDim() * c.dim();
        long rows = c.qDim() + 2L * c.kvDim() + 2L * c.dim() + 2L * c.hiddenDim();
        long perLayer = (fp8 ? projection + rows * 4 : projection * 2) + 2L * c.dim() * 4;
        long head = c.tiedEmbeddings() ? 0 : (long) c.vocabSize() * c.dim() * 2;
        return (long) c.vocabSize() * c.dim() * 2 + c.nLayers() * perLayer + c.dim() * 4L + head;
    }
}
