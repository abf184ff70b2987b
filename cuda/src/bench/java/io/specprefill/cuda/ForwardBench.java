package io.specprefill.cuda;

import io.specprefill.udf.generate.Generation;
import io.specprefill.udf.generate.Generator;
import io.specprefill.udf.generate.Request;
import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Batch;
import io.specprefill.udf.llama.LayerHook;
import io.specprefill.udf.llama.LlamaForward;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.prefill.PrefillParams;
import io.specprefill.udf.prefill.Selection;
import io.specprefill.udf.prefill.SpeculativePrefill;

import java.util.Arrays;
import java.util.List;

/**
 * End-to-end timings on synthetic Llama-3.2-1B and Llama-3.1-8B (random BF16 weights of real shapes
 * made on the GPU), wall clock around whole steps, each ending in a device-to-host copy:
 * <ul>
 *   <li>full prefill of N tokens (logits of the last token only; 1 warm-up, median of 3);</li>
 *   <li>decode ms per token with a 32K cache (greedy, the argmax copied back each step), with the
 *       step replayed as a CUDA graph and launched op by op;</li>
 *   <li>batched decode tokens/s at batch 1, 8 and 32 with a 4K cache (8B);</li>
 *   <li>speculative-prefill TTFT through the classes the Spark tasks run: {@link SpeculativePrefill}
 *       (draft prefill, A = 8 look-ahead, importance, keep 0.1 of 32-token chunks) then
 *       {@link Generator} (target prefill of the kept tokens at their positions, first token), with
 *       its breakdown.</li>
 * </ul>
 * Run: java -cp ... io.specprefill.cuda.ForwardBench [lengths, e.g. 4096,8192,16384,32768 [decode|fp8|fp8-70b]]
 * (decode: only the 8B's decode rows, over a cache of the largest length; fp8: the 8B with BF16 and
 * with FP8 projections side by side, prefill and decode; fp8-70b: the 70B shape with FP8 projections;
 * see {@link Fp8Bench})
 */
public final class ForwardBench {
    private static final int DECODE_STEPS = 32;
    private static final int LOOK_AHEAD = 8;

    public static void main(String[] args) {
        BenchSupport.steadyStatePlans();
        int[] lengths = {4096, 8192, 16384, 32768};
        if (args.length > 0) lengths = Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray();
        boolean decodeOnly = args.length > 1 && args[1].equals("decode");   // decode rows of the 8B only
        int max = Arrays.stream(lengths).max().getAsInt();
        try (CudaBackend b = CudaBackend.open(0)) {
            BenchSupport.header(b, "ForwardBench " + String.join(" ", args));
            System.out.printf("%-14s | %-40s | %10s | %10s%n", "model", "measure", "ms", "tok/s");
            if (args.length > 1 && args[1].startsWith("fp8")) {
                Fp8Bench.forward(b, lengths, args[1].equals("fp8-70b"));
                return;
            }
            LlamaModel draft = SyntheticLlama.build(b, SyntheticLlama.config("llama-3.2-1b"), 1);
            LlamaModel target = SyntheticLlama.build(b, SyntheticLlama.config("llama-3.1-8b"), 2);
            for (LlamaModel m : decodeOnly ? new LlamaModel[]{target} : new LlamaModel[]{draft, target}) {
                String name = m.config.source().substring("synthetic:".length());
                try (LlamaForward f = new LlamaForward(m); Backend.KvCache cache = f.newCache(1, max + DECODE_STEPS + 8)) {
                    for (int n : decodeOnly ? new int[0] : lengths) {
                        int[] tok = BenchSupport.randomTokens(n, m.config.vocabSize(), n);
                        double ms = BenchSupport.wallMs(1, 3, () -> f.prefill(cache, Batch.of(tok)).argmax(0));
                        BenchSupport.modelRow(name, "full prefill N=" + n, ms, n / ms * 1e3);
                    }
                    for (boolean graphs : new boolean[]{true, false}) {
                        b.choice.graphs = graphs;
                        double step = decode(f, cache, max, 1);
                        BenchSupport.modelRow(name, "decode per token, cache " + max + (graphs ? ", graph" : ", no graph"), step, 1e3 / step);
                    }
                    b.choice.reset();
                }
            }
            batchedDecode(target, 4096);
            if (!decodeOnly) specPrefill(draft, target, max, "1b -> 8b");
            long[] g = b.graphCounts();
            System.out.println("# CUDA graphs captured " + g[0] + ", replays " + g[1]);
            draft.close();
            target.close();
        }
    }

    /**
     * B sequences prefilled with n tokens each, then DECODE_STEPS greedy steps of all B rows at once;
     * ms per step (median of 3 runs' means).
     */
    static double decode(LlamaForward f, Backend.KvCache cache, int n, int B) {
        int vocab = f.model().config.vocabSize();
        int[] next = new int[B], seqs = new int[B];
        for (int i = 0; i < B; i++) {
            seqs[i] = i;
            Batch.Builder bb = Batch.builder();
            bb.add(i, BenchSupport.randomTokens(n, vocab, 7 + i), iota(n), 0);
            next[i] = f.prefill(cache, bb.build()).argmax(0);
        }
        int[] pos = new int[B], tok = new int[B];
        return BenchSupport.wallMs(1, 3, () -> {
            System.arraycopy(next, 0, tok, 0, B);
            for (int s = 0; s < DECODE_STEPS; s++) {
                Arrays.fill(pos, n + s);
                var logits = f.decodeStep(cache, B, seqs, tok, pos, pos, LayerHook.NONE);
                for (int i = 0; i < B; i++) tok[i] = logits.argmax(i);
            }
        }) / DECODE_STEPS;
    }

    private static int[] iota(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    /** Decode throughput of the 8B at batch 1, 8 and 32 over a cache of n tokens per sequence. */
    private static void batchedDecode(LlamaModel target, int n) {
        for (int B : new int[]{1, 8, 32}) {
            try (LlamaForward f = new LlamaForward(target); Backend.KvCache cache = f.newCache(B, n + DECODE_STEPS + 8)) {
                double step = decode(f, cache, n, B);
                BenchSupport.modelRow("llama-3.1-8b", "batched decode B=" + B + ", cache " + n + ", graph", step, B * 1e3 / step);
            }
        }
    }

    /**
     * TTFT of one prompt of n tokens through the product's classes: the draft scores it
     * (SpeculativePrefill.select, the stage-1 algorithm), the target prefills the kept tokens at their
     * positions and samples the first token (Generator, stage 2). Median of 3 after a warm-up; the
     * breakdown is the median run's phases. {@code pair} labels the rows (e.g. "1b -> 8b").
     */
    static void specPrefill(LlamaModel draft, LlamaModel target, int max, String pair) {
        PrefillParams params = new PrefillParams(0.1, 32, 13, LOOK_AHEAD, 32);
        try (SpeculativePrefill scorer = new SpeculativePrefill(draft, params); Generator generator = new Generator(target)) {
            for (int n : new int[]{8192, 32768}) {
                if (n > max) continue;
                int[] prompt = BenchSupport.randomTokens(n, draft.config.vocabSize(), 99);
                double[][] runs = new double[4][];
                for (int r = 0; r < 4; r++) {
                    io.specprefill.udf.Timer ttftTimer = io.specprefill.udf.Timer.start();
                    int[] kept = scorer.select(List.of(prompt)).get(0);
                    Request req = new Request(Selection.gather(prompt, kept), kept, n, 1, io.specprefill.udf.generate.Sampler.ARGMAX, null);
                    Generation g = generator.generate(req);
                    double ttft = ttftTimer.ms();
                    SpeculativePrefill.Timings t = scorer.timings();
                    runs[r] = new double[]{ttft, t.prefillMs(), t.lookaheadMs(), t.scoringMs(), g.prefillMs(), g.ttftMs(),
                            kept.length};
                }
                double[][] timed = Arrays.copyOfRange(runs, 1, 4);
                Arrays.sort(timed, (a, c) -> Double.compare(a[0], c[0]));
                double[] m = timed[1];
                String label = "N=" + n + " p=0.1 K=" + (int) m[6];
                BenchSupport.modelRow(pair, "spec-prefill TTFT " + label, m[0], n / m[0] * 1e3);
                BenchSupport.modelRow(pair, "  draft prefill (N rows)", m[1], n / m[1] * 1e3);
                BenchSupport.modelRow(pair, "  look-ahead " + (LOOK_AHEAD - 1) + " decode steps", m[2], 0);
                BenchSupport.modelRow(pair, "  importance + selection", m[3], 0);
                BenchSupport.modelRow(pair, "  target prefill (K rows)", m[4], m[6] / m[4] * 1e3);
                BenchSupport.modelRow(pair, "  first token (sampling)", m[5] - m[4], 0);
            }
        }
    }
}
