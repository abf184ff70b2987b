package io.specprefill.udf.generate;

import io.specprefill.udf.Timer;
import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Batch;
import io.specprefill.udf.llama.LayerHook;
import io.specprefill.udf.llama.LlamaForward;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.llama.Logits;
import io.specprefill.udf.model.LlamaConfig;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Prefill then decode for a batch of requests (design.md 5): the K kept tokens of each request are
 * prefilled together at their positions into a compact KV cache (slot j for kept token j); the first
 * token comes from the logits at the last kept token; generated token i is fed at RoPE position
 * N + i and KV slot K + i. Each sequence stops at any EOS id of the config, at its maxNewTokens, or
 * when its {@link StopCondition} fires; the others go on. The KV cache holds K + maxNewTokens slots
 * per sequence and is kept for the next call when it is big enough. Each step's tokens are picked
 * for all rows at once ({@link StepSampler}): only ids come back from the backend.
 */
public final class Generator implements AutoCloseable {
    private final LlamaForward forward;
    private final LlamaConfig config;
    private final Backend backend;
    private final StepSampler steps = new StepSampler();
    private Backend.KvCache cache;
    /** Weights, KV and activation bytes of this model on its backend; fixed, so computed once. */
    private final MemoryPlan plan;

    public Generator(LlamaModel model) {
        this.forward = new LlamaForward(model);
        this.config = model.config;
        this.backend = model.backend;
        this.plan = new MemoryPlan(model.weightBytes(), 2L * config.nLayers() * config.kvDim() * backend.kvCacheBytes(),
                forward.activationBytes(1, 0), forward.activationBytes(0, 1));
    }

    public Generation generate(Request request) {
        return generate(List.of(request)).get(0);
    }

    /** Generates for every request; results in request order. */
    public List<Generation> generate(List<Request> requests) {
        int B = requests.size();
        if (B == 0) return List.of();
        Backend.KvCache kv = cacheFor(requests);
        Batch.Builder batch = Batch.builder();
        for (int i = 0; i < B; i++) batch.add(i, requests.get(i).tokens(), requests.get(i).positions(), 0);
        Sequences seqs = new Sequences(requests);
        Timer prefill = Timer.start();
        Logits logits = forward.prefill(kv, batch.build());
        backend.synchronize();
        double prefillMs = prefill.ms();
        int[] next = new int[B];
        steps.sample(logits, r -> requests.get(r).sampler(), next);
        for (int i = 0; i < B; i++) seqs.accept(i, next[i], config);
        double ttftMs = prefill.ms();
        Timer decode = Timer.start();
        seqs.finishNow(decode);
        int[] seq = new int[B], tok = new int[B], pos = new int[B], slot = new int[B];
        IntFunction<Sampler> decodeRow = r -> requests.get(seq[r]).sampler();
        while (seqs.anyActive()) {
            int n = 0;
            for (int i = 0; i < B; i++) {
                if (!seqs.active[i]) continue;
                int generated = seqs.count[i]; // the newest token is generated token (generated - 1)
                seq[n] = i;
                tok[n] = seqs.ids[i][generated - 1];
                pos[n] = requests.get(i).nextPosition() + generated - 1;
                slot[n] = requests.get(i).kept() + generated - 1;
                n++;
            }
            logits = forward.decodeStep(kv, n, seq, tok, pos, slot, LayerHook.NONE);
            steps.sample(logits, decodeRow, next);
            for (int r = 0; r < n; r++) seqs.accept(seq[r], next[r], config);
            seqs.finishNow(decode);
        }
        Generation[] out = new Generation[B];
        for (int i = 0; i < B; i++) {
            out[i] = new Generation(Arrays.copyOf(seqs.ids[i], seqs.count[i]), seqs.reason[i], prefillMs, ttftMs, seqs.decodeMs[i]);
        }
        return List.of(out);
    }

    /** The memory plan of this generator's model on its backend (weights, KV and activation bytes). */
    public MemoryPlan memoryPlan() {
        return plan;
    }

    /**
     * Bytes a request may take now: on a GPU the device's free memory plus what this generator holds
     * and would free or reuse; on the CPU, whose free-heap figure counts uncollected garbage as used,
     * the whole heap less the weights (only requests that could never fit are turned away there).
     */
    public long bytesAvailable() {
        long[] memory = backend.memoryInfo();
        return backend.memoryInfoExact() ? memory[0] + bytesHeld() : memory[1] - plan.weightBytes();
    }

    /** Bytes this generator holds now and frees or reuses for its next batch: its KV cache and activations. */
    public long bytesHeld() {
        long kv = cache == null ? 0 : (long) cache.batch() * cache.capacity() * plan.kvBytesPerToken();
        return kv + forward.activationBytesHeld();
    }

    /** The KV cache for these requests: B sequences of max(K + maxNewTokens) slots, reused when it fits. */
    private Backend.KvCache cacheFor(List<Request> requests) {
        int capacity = 0;
        for (Request r : requests) capacity = Math.max(capacity, r.kept() + r.maxNewTokens());
        if (cache == null || cache.batch() < requests.size() || cache.capacity() < capacity) {
            if (cache != null) cache.close();
            cache = null;
            cache = forward.newCache(requests.size(), capacity);
        }
        return cache;
    }

    /** Per-sequence decoding state: ids so far, whether still active, why and when it stopped. */
    private static final class Sequences {
        final List<Request> requests;
        final int[][] ids;
        final int[] count;
        final boolean[] active;
        final boolean[] justStopped;
        final StopReason[] reason;
        final double[] decodeMs;

        Sequences(List<Request> requests) {
            int B = requests.size();
            this.requests = requests;
            ids = new int[B][];
            for (int i = 0; i < B; i++) ids[i] = new int[requests.get(i).maxNewTokens()];
            count = new int[B];
            active = new boolean[B];
            Arrays.fill(active, true);
            justStopped = new boolean[B];
            reason = new StopReason[B];
            decodeMs = new double[B];
        }

        /** Takes sequence i's new token and decides whether it stops. */
        void accept(int i, int token, LlamaConfig config) {
            Request r = requests.get(i);
            if (config.isEos(token)) {
                stop(i, StopReason.EOS);
                return;
            }
            ids[i][count[i]++] = token;
            if (r.stop().shouldStop(ids[i], count[i])) {
                stop(i, StopReason.STOP_CONDITION);
            } else if (count[i] == r.maxNewTokens()) {
                stop(i, StopReason.MAX_TOKENS);
            }
        }

        private void stop(int i, StopReason why) {
            active[i] = false;
            justStopped[i] = true;
            reason[i] = why;
        }

        /** Stamps the decode time of the sequences that stopped in the last step. */
        void finishNow(Timer decode) {
            double now = decode.ms();
            for (int i = 0; i < active.length; i++) {
                if (justStopped[i]) {
                    decodeMs[i] = now;
                    justStopped[i] = false;
                }
            }
        }

        boolean anyActive() {
            for (boolean a : active) if (a) return true;
            return false;
        }
    }

    @Override
    public void close() {
        if (cache != null) cache.close();
        forward.close();
    }
}
