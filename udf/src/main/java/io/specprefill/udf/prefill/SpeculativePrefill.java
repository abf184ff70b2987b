package io.specprefill.udf.prefill;

import io.specprefill.udf.Timer;
import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.Batch;
import io.specprefill.udf.llama.LlamaForward;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.llama.Logits;
import io.specprefill.udf.llama.QueryRecorder;
import io.specprefill.udf.model.LlamaConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * Stage 1's draft scoring (design.md 4): for a batch of prompts, prefill the draft model S with a KV
 * cache, recording each prompt's last-token post-RoPE query in every layer; decode up to A-1 greedy
 * look-ahead tokens, recording each new token's query; then {@link Backend#importance} per prompt
 * gives s[0..N) from those queries against the N prompt keys only (slots [0, N): the look-ahead keys
 * sit in slots N.. and are not read), and {@link Selection} picks the kept indices.
 *
 * <p>Batching: B prompts are packed into one prefill; prompt i is cache sequence i, and its last row
 * is found from the batch's cumulative offsets (the reference code indexes it wrongly for all but
 * the first prompt). Memory: the KV cache [layers][B][max N + A - 1][G*D] and the queries
 * [layers][B][A][H*D]; scoring itself is O(layers * H * A * N) inside the backend, never N x N.
 * The cache is freed as soon as the batch's scores are read.
 *
 * <p>One instance owns one {@link LlamaForward} (its run state): not thread-safe, one per task.
 */
public final class SpeculativePrefill implements AutoCloseable {

    /**
     * One prompt's scores.
     *
     * @param importance s [N]
     * @param queries    queries that went into the mean: A, or fewer when the draft produced an EOS id
     */
    public record Scores(float[] importance, int queries) {
    }

    /**
     * Where the last {@link #score} call's time went, wall milliseconds (each phase ends in a read
     * from the backend, so nothing of it is still running): the draft's prefill of the prompts up
     * to the first look-ahead token, the A - 1 look-ahead decode steps, and the importance scores.
     */
    public record Timings(double prefillMs, double lookaheadMs, double scoringMs) {
    }

    private Timings timings = new Timings(0, 0, 0);

    private final LlamaModel draft;
    private final LlamaConfig config;
    private final Backend backend;
    private final PrefillParams params;
    private final LlamaForward forward;

    public SpeculativePrefill(LlamaModel draft, PrefillParams params) {
        this.draft = draft;
        this.config = draft.config;
        this.backend = draft.backend;
        this.params = params;
        this.forward = new LlamaForward(draft);
    }

    public PrefillParams params() {
        return params;
    }

    /** Kept prompt indices (ascending) of each prompt, in order; see {@link Selection#select}. */
    public List<int[]> select(List<int[]> prompts) {
        List<Scores> scores = score(prompts);
        List<int[]> kept = new ArrayList<>(scores.size());
        for (int i = 0; i < scores.size(); i++) {
            kept.add(Selection.select(scores.get(i).importance(), prompts.get(i).length, params.keep(),
                    params.chunkSize(), params.keepTail()));
        }
        return kept;
    }

    /** Importance of each prompt (each non-empty), all scored in one draft batch; results in order. */
    public List<Scores> score(List<int[]> prompts) {
        int B = prompts.size();
        if (B == 0) return List.of();
        int A = params.lookahead();
        int maxN = 0;
        Batch.Builder bb = Batch.builder();
        for (int i = 0; i < B; i++) {
            int[] ids = prompts.get(i);
            if (ids.length == 0) throw new IllegalArgumentException("draft scoring: prompt " + i + " of the batch is empty");
            bb.add(i, ids, iota(ids.length), 0);
            maxN = Math.max(maxN, ids.length);
        }
        Batch batch = bb.build();
        try (Backend.KvCache kv = forward.newCache(B, maxN + A - 1);
             QueryRecorder rec = new QueryRecorder(backend, config, B, A)) {
            Timer all = Timer.start();
            int[] queries = lookahead(kv, rec, batch, prompts);
            double lookaheadEnd = all.ms();
            List<Scores> scores = importance(kv, rec, prompts, queries, maxN);
            timings = new Timings(prefillMs, lookaheadEnd - prefillMs, all.ms() - lookaheadEnd);
            return scores;
        }
    }

    /** The phases of the last {@link #score} (or {@link #select}) call. */
    public Timings timings() {
        return timings;
    }

    private double prefillMs;   // of the last lookahead(): its prefill, up to the first look-ahead token

    /**
     * Steps 1-2: prefill with the last-row queries recorded as query 0, then greedy decode steps
     * a = 1..A-1 for the sequences still going, recording query a. Returns each sequence's query count.
     */
    private int[] lookahead(Backend.KvCache kv, QueryRecorder rec, Batch batch, List<int[]> prompts) {
        int B = prompts.size();
        int A = params.lookahead();
        int[] lastRows = batch.lastRows(); // cumulative offsets: end(i) - 1, not N_i - 1
        rec.clear();
        for (int i = 0; i < B; i++) rec.record(lastRows[i], i, 0);
        Timer prefill = Timer.start();
        Logits logits = forward.prefill(kv, batch, lastRows, rec);
        int[] count = new int[B];
        int[] next = new int[B];
        boolean[] going = new boolean[B];
        for (int i = 0; i < B; i++) {
            count[i] = 1;
            next[i] = logits.argmax(i);
            going[i] = A > 1 && !config.isEos(next[i]); // an EOS ends it; the query that produced it counted
        }
        prefillMs = prefill.ms();   // the argmax reads above waited for the prefill
        int[] seq = new int[B], tok = new int[B], pos = new int[B];
        for (int a = 1; a < A; a++) {
            int n = 0;
            rec.clear();
            for (int i = 0; i < B; i++) {
                if (!going[i]) continue;
                seq[n] = i;
                tok[n] = next[i];
                pos[n] = prompts.get(i).length + a - 1; // look-ahead token a-1: position and slot N + a - 1
                rec.record(n, i, a);
                n++;
            }
            if (n == 0) break;
            logits = forward.decodeStep(kv, n, seq, tok, pos, pos, rec);
            for (int r = 0; r < n; r++) {
                int i = seq[r];
                count[i] = a + 1;
                if (a + 1 == A) {
                    going[i] = false;
                } else {
                    next[i] = logits.argmax(r);
                    going[i] = !config.isEos(next[i]);
                }
            }
        }
        return count;
    }

    /** Steps 3-4 on the backend, one prompt at a time, over slots [0, N_i) only. */
    private List<Scores> importance(Backend.KvCache kv, QueryRecorder rec, List<int[]> prompts, int[] queries,
                                    int maxN) {
        List<Scores> out = new ArrayList<>(prompts.size());
        try (Backend.Tensor s = backend.tensor(maxN)) {
            for (int i = 0; i < prompts.size(); i++) {
                int n = prompts.get(i).length;
                backend.importance(s, 0, rec.queries(), kv, i, n, queries[i], rec.maxQueries(),
                        params.poolKernel(), config.nHeads());
                float[] host = new float[n];
                backend.read(s, 0, host, n);
                out.add(new Scores(host, queries[i]));
            }
        }
        return out;
    }

    private static int[] iota(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    public LlamaModel draft() {
        return draft;
    }

    @Override
    public void close() {
        forward.close();
    }
}
