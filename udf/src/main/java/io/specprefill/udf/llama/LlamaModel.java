package io.specprefill.udf.llama;

import io.specprefill.udf.model.HostTensor;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.LlamaWeights;

import java.util.Arrays;

/**
 * A Llama model on a backend: the config and the uploaded weights (wq|wk|wv and w1|w3 fused at
 * upload, so attention input and the MLP's gate/up are one GEMM each). Immutable after upload:
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

    private LlamaModel(LlamaConfig config, Backend backend, LlamaWeights w) {
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
            wqkv[l] = backend.weight(w.wq[l], w.wk[l], w.wv[l]);
            wo[l] = backend.weight(w.wo[l]);
            ffnNorm[l] = backend.weight(w.ffnNorm[l]);
            w13[l] = backend.weight(w.w1[l], w.w3[l]);
            w2[l] = backend.weight(w.w2[l]);
        }
        finalNorm = backend.weight(w.finalNorm);
        lmHead = w.lmHead == w.tokenEmbedding ? embedding : backend.weight(w.lmHead);
        float[] freq = Rope.invFreq(config);
        invFreq = backend.tensor(freq.length);
        backend.write(invFreq, 0, freq, freq.length);
    }

    /**
     * Weights already on a backend, in this class's fused layout (shapes as the fields above), e.g.
     * random weights of real shapes generated on a GPU for performance runs. The model owns them.
     */
    public record BackendWeights(Backend.Weight embedding, Backend.Weight[] attnNorm, Backend.Weight[] wqkv,
                                 Backend.Weight[] wo, Backend.Weight[] ffnNorm, Backend.Weight[] w13,
                                 Backend.Weight[] w2, Backend.Weight finalNorm, Backend.Weight lmHead) {
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
        float[] freq = Rope.invFreq(config);
        invFreq = backend.tensor(freq.length);
        backend.write(invFreq, 0, freq, freq.length);
    }

    /** A model over weights already on {@code backend} (see {@link BackendWeights}); nothing is uploaded. */
    public static LlamaModel of(Backend backend, LlamaConfig config, BackendWeights weights) {
        return new LlamaModel(config, backend, weights);
    }

    /** Uploads every weight to the backend once (the slow part of loading a model). */
    public static LlamaModel upload(Backend backend, LlamaConfig config, LlamaWeights weights) {
        return new LlamaModel(config, backend, weights);
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
    }

    private static void expect(HostTensor t, long... shape) {
        if (t == null) throw new IllegalArgumentException("weights: a tensor of shape " + Arrays.toString(shape) + " is missing");
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("weights: tensor '" + t.name() + "' has shape "
                    + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        }
    }

    @Override
    public void close() {
        embedding.close();
        if (lmHead != embedding) lmHead.close();
        finalNorm.close();
        invFreq.close();
        for (Backend.Weight[] ws : new Backend.Weight[][]{attnNorm, wqkv, wo, ffnNorm, w13, w2}) {
            for (Backend.Weight x : ws) x.close();
        }
    }
}
