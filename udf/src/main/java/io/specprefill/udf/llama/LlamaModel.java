package io.specprefill.udf.llama;

import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.Fp8Matrix;
import io.specprefill.udf.model.HostTensor;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.LlamaWeights;
import io.specprefill.udf.model.WeightsDtype;

import java.util.Arrays;

/**
 * A Llama model on a backend: the config and the uploaded weights (wq|wk|wv and w1|w3 fused at
 * upload, so attention input and the MLP's gate/up are one GEMM each; bq|bk|bv fused alike into one
 * bias row). The attention extras of Qwen2/Qwen3 (see {@link LlamaConfig.Architecture}) are null
 * where the architecture has none. The projections (wqkv, wo, w13, w2) are FP8 weights
 * ({@link Backend#weightFp8}) when the checkpoint stores them in FP8 or when loaded with
 * {@link WeightsDtype#FP8}; the embedding, norms, biases and LM head never are. Immutable after upload:
 * several {@link LlamaForward}s (each with its own run state) may share one model.
 */
public final class LlamaModel implements AutoCloseable {
    public final LlamaConfig config;
    public final Backend backend;
    final Backend.Weight embedding;  // [vocab, dim]
    final Backend.Weight[] attnNorm; // [layers][1, dim]
    final Backend.Weight[] wqkv;     // [layers][(H + 2G) * D, dim]: wq | wk | wv
    final Backend.Weight[] wo;       // [layers][dim, H * D]
    final Backend.Weight[] ffnNorm;  // [layers][1, dim]
    final Backend.Weight[] w13;      // [layers][2 * hiddenDim, dim]: w1 (gate) | w3 (up)
    final Backend.Weight[] w2;       // [layers][dim, hiddenDim]
    final Backend.Weight finalNorm;  // [1, dim]
    final Backend.Weight lmHead;     // [vocab, dim]; the embedding itself when tied
    final Backend.Tensor invFreq;    // [D/2] RoPE inverse frequencies, float32, llama3-scaled
    final Backend.Weight[] bqkv;     // [layers][1, (H + 2G) * D]: bq | bk | bv (qkvBias), or null
    final Backend.Weight[] bo;       // [layers][1, dim] o_proj bias (oBias), or null
    final Backend.Weight[] qNorm;    // [layers][1, D] per-head RMSNorm of the queries (qkNorm), or null
    final Backend.Weight[] kNorm;    // [layers][1, D] per-head RMSNorm of the keys (qkNorm), or null

    private LlamaModel(LlamaConfig config, Backend backend, LlamaWeights w, WeightsDtype dtype) {
        this.config = config;
        this.backend = backend;
        int L = config.nLayers();
        checkShapes(config, w);
        embedding = backend.weight(w.tokenEmbedding);
        attnNorm = new Backend.Weight[L];
        wqkv = new Backend.Weight[L];
        wo = new Backend.Weight[L];
        ffnNorm = new Backend.Weight[L];
        w13 = new Backend.Weight[L];
        w2 = new Backend.Weight[L];
        for (int l = 0; l < L; l++) {
            attnNorm[l] = backend.weight(w.attnNorm[l]);
            wqkv[l] = linear(backend, w, dtype, w.wq[l], w.wk[l], w.wv[l]);
            wo[l] = linear(backend, w, dtype, w.wo[l]);
            ffnNorm[l] = backend.weight(w.ffnNorm[l]);
            w13[l] = linear(backend, w, dtype, w.w1[l], w.w3[l]);
            w2[l] = linear(backend, w, dtype, w.w2[l]);
        }
        finalNorm = backend.weight(w.finalNorm);
        lmHead = w.lmHead == w.tokenEmbedding ? embedding : backend.weight(w.lmHead);
        LlamaConfig.Architecture a = config.architecture();
        bqkv = a.qkvBias() ? new Backend.Weight[L] : null;
        bo = a.oBias() ? new Backend.Weight[L] : null;
        qNorm = a.qkNorm() ? new Backend.Weight[L] : null;
        kNorm = a.qkNorm() ? new Backend.Weight[L] : null;
        for (int l = 0; l < L; l++) {
            if (bqkv != null) bqkv[l] = backend.weight(HostTensor.concat(w.bq[l].name() + "|k|v", w.bq[l], w.bk[l], w.bv[l]));
            if (bo != null) bo[l] = backend.weight(w.bo[l]);
            if (qNorm != null) {
                qNorm[l] = backend.weight(w.qNorm[l]);
                kNorm[l] = backend.weight(w.kNorm[l]);
            }
        }
        float[] freq = Rope.invFreq(config);
        invFreq = backend.tensor(freq.length);
        backend.write(invFreq, 0, freq, freq.length);
    }

    /**
     * Weights already on a backend, in this class's fused layout (shapes as the fields above), e.g.
     * random weights of real shapes generated on a GPU for performance runs. The model owns them.
     * The attention extras are null where the config's architecture has none.
     */
    public record BackendWeights(Backend.Weight embedding, Backend.Weight[] attnNorm, Backend.Weight[] wqkv,
                                 Backend.Weight[] wo, Backend.Weight[] ffnNorm, Backend.Weight[] w13,
                                 Backend.Weight[] w2, Backend.Weight finalNorm, Backend.Weight lmHead,
                                 Backend.Weight[] bqkv, Backend.Weight[] bo, Backend.Weight[] qNorm,
                                 Backend.Weight[] kNorm) {
        /** A plain Llama's weights (no attention extras). */
        public BackendWeights(Backend.Weight embedding, Backend.Weight[] attnNorm, Backend.Weight[] wqkv,
                              Backend.Weight[] wo, Backend.Weight[] ffnNorm, Backend.Weight[] w13,
                              Backend.Weight[] w2, Backend.Weight finalNorm, Backend.Weight lmHead) {
            this(embedding, attnNorm, wqkv, wo, ffnNorm, w13, w2, finalNorm, lmHead, null, null, null, null);
        }
    }

    private LlamaModel(LlamaConfig config, Backend backend, BackendWeights w) {
        this.config = config;
        this.backend = backend;
        embedding = w.embedding();
        attnNorm = w.attnNorm();
        wqkv = w.wqkv();
        wo = w.wo();
        ffnNorm = w.ffnNorm();
        w13 = w.w13();
        w2 = w.w2();
        finalNorm = w.finalNorm();
        lmHead = w.lmHead();
        bqkv = w.bqkv();
        bo = w.bo();
        qNorm = w.qNorm();
        kNorm = w.kNorm();
        LlamaConfig.Architecture a = config.architecture();
        if ((bqkv != null) != a.qkvBias() || (bo != null) != a.oBias() || (qNorm != null) != a.qkNorm()
                || (kNorm != null) != a.qkNorm()) {
            throw new IllegalArgumentException("backend weights: biases/q-k norms given do not match " + a);
        }
        float[] freq = Rope.invFreq(config);
        invFreq = backend.tensor(freq.length);
        backend.write(invFreq, 0, freq, freq.length);
    }

    /** A model over weights already on {@code backend} (see {@link BackendWeights}); nothing is uploaded. */
    public static LlamaModel of(Backend backend, LlamaConfig config, BackendWeights weights) {
        return new LlamaModel(config, backend, weights);
    }

    /** Uploads every weight to the backend once (the slow part of loading a model), as the checkpoint stores it. */
    public static LlamaModel upload(Backend backend, LlamaConfig config, LlamaWeights weights) {
        return upload(backend, config, weights, WeightsDtype.AUTO);
    }

    /** As {@link #upload(Backend, LlamaConfig, LlamaWeights)}, with the projections held as {@code dtype} says. */
    public static LlamaModel upload(Backend backend, LlamaConfig config, LlamaWeights weights, WeightsDtype dtype) {
        return new LlamaModel(config, backend, weights, dtype);
    }

    /**
     * One projection (blocks fused along dim 0): FP8 when the checkpoint's blocks are F8_E4M3 (each
     * with its weight_scale; all blocks of a fusion must agree) or when {@code dtype} is FP8
     * (quantised here per output channel), else the backend's own format.
     */
    private static Backend.Weight linear(Backend b, LlamaWeights w, WeightsDtype dtype, HostTensor... blocks) {
        int fp8 = 0;
        for (HostTensor t : blocks) fp8 += t.dtype() == DType.F8_E4M3 ? 1 : 0;
        if (fp8 == 0 && dtype != WeightsDtype.FP8) return b.weight(blocks);
        if (fp8 != 0 && fp8 != blocks.length) {
            throw new IllegalArgumentException("weights: " + Arrays.toString(blocks) + " are fused into one GEMM but"
                    + " only some are F8_E4M3 (an FP8 checkpoint must quantize all of q/k/v, or both of gate/up)");
        }
        Fp8Matrix[] m = new Fp8Matrix[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            m[i] = fp8 != 0 ? Fp8Matrix.fromCheckpoint(blocks[i], w.scaleOf(blocks[i])) : Fp8Matrix.quantize(blocks[i]);
        }
        return b.weightFp8(m);
    }

    /** Shapes against the config, so that a bad checkpoint fails here naming the tensor, not inside an op. */
    private static void checkShapes(LlamaConfig c, LlamaWeights w) {
        int L = c.nLayers();
        expect(w.tokenEmbedding, c.vocabSize(), c.dim());
        expect(w.lmHead, c.vocabSize(), c.dim());
        expect(w.finalNorm, c.dim());
        HostTensor[][] perLayer = {w.attnNorm, w.wq, w.wk, w.wv, w.wo, w.ffnNorm, w.w1, w.w2, w.w3};
        for (HostTensor[] ts : perLayer) {
            if (ts == null || ts.length != L) {
                throw new IllegalArgumentException("weights: " + (ts == null ? 0 : ts.length)
                        + " tensors for a per-layer weight, config has num_hidden_layers=" + L);
            }
        }
        for (int l = 0; l < L; l++) {
            expect(w.attnNorm[l], c.dim());
            expect(w.wq[l], c.qDim(), c.dim());
            expect(w.wk[l], c.kvDim(), c.dim());
            expect(w.wv[l], c.kvDim(), c.dim());
            expect(w.wo[l], c.dim(), c.qDim());
            expect(w.ffnNorm[l], c.dim());
            expect(w.w1[l], c.hiddenDim(), c.dim());
            expect(w.w2[l], c.dim(), c.hiddenDim());
            expect(w.w3[l], c.hiddenDim(), c.dim());
        }
        LlamaConfig.Architecture a = c.architecture();
        extra(w.bq, a.qkvBias(), "q_proj.bias", L, c.qDim());
        extra(w.bk, a.qkvBias(), "k_proj.bias", L, c.kvDim());
        extra(w.bv, a.qkvBias(), "v_proj.bias", L, c.kvDim());
        extra(w.bo, a.oBias(), "o_proj.bias", L, c.dim());
        extra(w.qNorm, a.qkNorm(), "q_norm.weight", L, c.headDim());
        extra(w.kNorm, a.qkNorm(), "k_norm.weight", L, c.headDim());
    }

    /** A per-layer vector the architecture needs (each [n]), or nothing where it has none. */
    private static void extra(HostTensor[] ts, boolean needed, String what, int L, int n) {
        if (!needed) return;
        if (ts == null || ts.length != L) {
            throw new IllegalArgumentException("weights: " + (ts == null ? 0 : ts.length) + " tensors for " + what
                    + ", the architecture needs one per layer (" + L + ")");
        }
        for (HostTensor t : ts) expect(t, n);
    }

    private static void expect(HostTensor t, long... shape) {
        if (t == null) throw new IllegalArgumentException("weights: a tensor of shape " + Arrays.toString(shape) + " is missing");
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("weights: tensor '" + t.name() + "' has shape "
                    + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        }
    }

    /** Bytes its weights hold on the backend (the memory plan's first term). */
    public long weightBytes() {
        long n = embedding.bytes() + (lmHead != embedding ? lmHead.bytes() : 0) + finalNorm.bytes() + 4L * invFreq.size();
        for (Backend.Weight[] ws : new Backend.Weight[][]{attnNorm, wqkv, wo, ffnNorm, w13, w2, bqkv, bo, qNorm, kNorm}) {
            if (ws == null) continue;
            for (Backend.Weight x : ws) n += x.bytes();
        }
        return n;
    }

    @Override
    public void close() {
        embedding.close();
        if (lmHead != embedding) lmHead.close();
        finalNorm.close();
        invFreq.close();
        for (Backend.Weight[] ws : new Backend.Weight[][]{attnNorm, wqkv, wo, ffnNorm, w13, w2, bqkv, bo, qNorm, kNorm}) {
            if (ws == null) continue;
            for (Backend.Weight x : ws) x.close();
        }
    }
}
