package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Batch;
import io.specprefill.udf.llama.LayerHook;
import io.specprefill.udf.llama.LlamaForward;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.llama.QueryRecorder;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.prefill.Selection;

import java.util.Random;

/**
 * End-to-end timings on synthetic Llama-3.2-1B and Llama-3.1-8B (random BF16 weights of real shapes
 * made on the GPU): full prefill of N tokens (logits of the last token only), decode ms per token
 * with a 32K cache (greedy, the argmax copied back each step), and speculative-prefill TTFT (1B draft
 * scores the prompt with A = 8 look-ahead queries, keep 0.1 of 32-token chunks, 8B target prefills
 * the kept tokens at their original positions and yields the first token). Wall clock around whole
 * steps, each ending in a device-to-host copy; 1 warm-up, median of 3.
 * Run: java -cp ... io.specprefill.cuda.ForwardBench [lengths, e.g. 4096,8192,16384,32768]
 */
public final class ForwardBench {
    private static final int DECODE_STEPS = 32;
    private static final int LOOK_AHEAD = 8;

    public static void main(String[] args) {
        int[] lengths = {4096, 8192, 16384, 32768};
        if (args.length > 0) lengths = java.util.Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray();
        int max = java.util.Arrays.stream(lengths).max().getAsInt();
        try (CudaBackend b = CudaBackend.open(0)) {
            BenchSupport.header(b, "ForwardBench " + String.join(" ", args));
            System.out.printf("%-14s | %-34s | %10s | %10s%n", "model", "measure", "ms", "tok/s");
            LlamaModel draft = SyntheticLlama.build(b, SyntheticLlama.config("llama-3.2-1b"), 1);
            LlamaModel target = SyntheticLlama.build(b, SyntheticLlama.config("llama-3.1-8b"), 2);
            for (LlamaModel m : new LlamaModel[]{draft, target}) {
                String name = m.config.source().substring("synthetic:".length());
                try (LlamaForward f = new LlamaForward(m); Backend.KvCache cache = f.newCache(1, max + DECODE_STEPS + 8)) {
                    for (int n : lengths) {
                        int[] tok = tokens(n, m.config.vocabSize(), n);
                        double ms = BenchSupport.wallMs(1, 3, () -> f.prefill(cache, Batch.of(tok)).argmax(0));
                        System.out.printf("%-14s | %-34s | %10.1f | %10.0f%n", name, "full prefill N=" + n, ms, n / ms * 1e3);
                    }
                    double step = decode(f, cache, max);
                    System.out.printf("%-14s | %-34s | %10.2f | %10.1f%n", name, "decode per token, cache " + max, step, 1e3 / step);
                }
            }
            try (LlamaForward df = new LlamaForward(draft); LlamaForward tf = new LlamaForward(target);
                 QueryRecorder rec = new QueryRecorder(b, draft.config, 1, LOOK_AHEAD); Backend.Tensor scores = b.tensor(max);
                 Backend.KvCache dc = df.newCache(1, max + LOOK_AHEAD); Backend.KvCache tc = tf.newCache(1, max)) {
                for (int n : new int[]{8192, 32768}) {
                    if (n > max) continue;
                    int[] kept = new int[1];
                    double ms = BenchSupport.wallMs(1, 3, () -> kept[0] = specPrefill(b, df, tf, rec, scores, dc, tc, n));
                    System.out.printf("%-14s | %-34s | %10.1f | %10.0f%n", "1b -> 8b",
                            "spec-prefill TTFT N=" + n + " p=0.1 K=" + kept[0], ms, n / ms * 1e3);
                }
            }
            draft.close();
            target.close();
        }
    }

    private static int[] tokens(int n, int vocab, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(vocab);
        return t;
    }

    /** Prefills n tokens, then times DECODE_STEPS greedy steps; ms per step (median of 3 runs' means). */
    private static double decode(LlamaForward f, Backend.KvCache cache, int n) {
        int first = f.prefill(cache, Batch.of(tokens(n, f.model().config.vocabSize(), 7))).argmax(0);
        return BenchSupport.wallMs(1, 3, () -> {
            int next = first;
            for (int i = 0; i < DECODE_STEPS; i++) {
                next = f.decodeStep(cache, 1, new int[]{0}, new int[]{next}, new int[]{n + i}, new int[]{n + i},
                        LayerHook.NONE).argmax(0);
            }
        }) / DECODE_STEPS;
    }

    /**
     * SPEC.md 4 + 5 for one prompt of n tokens, on forwards and caches made beforehand (allocation is
     * not part of TTFT): returns K, the kept token count, after the first token reached the host.
     */
    private static int specPrefill(CudaBackend b, LlamaForward draft, LlamaForward target, QueryRecorder rec,
                                   Backend.Tensor scores, Backend.KvCache dc, Backend.KvCache tc, int n) {
        LlamaConfig c = draft.model().config;
        int[] prompt = tokens(n, c.vocabSize(), 99);
        rec.clear();
        rec.record(n - 1, 0, 0);
        int next = draft.prefill(dc, Batch.of(prompt), new int[]{n - 1}, rec).argmax(0);
        for (int a = 1; a < LOOK_AHEAD; a++) {
            rec.clear();
            rec.record(0, 0, a);
            next = draft.decodeStep(dc, 1, new int[]{0}, new int[]{next}, new int[]{n - 1 + a}, new int[]{n - 1 + a}, rec)
                    .argmax(0);
        }
        float[] s = new float[n];
        b.importance(scores, 0, rec.queries(), dc, 0, n, LOOK_AHEAD, LOOK_AHEAD, 13, c.nHeads());
        b.read(scores, 0, s, n);
        int[] kept = Selection.select(s, n, 0.1, 32, 32);
        target.prefill(tc, Batch.of(Selection.gather(prompt, kept), kept)).argmax(0);
        return kept.length;
    }
}
