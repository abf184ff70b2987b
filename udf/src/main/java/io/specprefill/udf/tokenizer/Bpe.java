package io.specprefill.udf.tokenizer;

import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of a byte-level tokenizer.json: vocab (token -> id) and merges by rank. A word
 * (one byte-level pre-token) starts as its characters and the adjacent pair of lowest rank is
 * merged, leftmost first, until no pair has a merge: the Hugging Face algorithm, with its priority
 * queue so a long word (a run of CJK letters is one pre-token) costs O(n log n), not O(n^2).
 * With {@code ignore_merges} a word that is itself in the vocab maps to that id directly.
 *
 * <p>Immutable after construction except the word cache, a concurrent map that stops growing at
 * {@link #CACHE_CAPACITY} entries, so one instance serves many task threads.
 */
final class Bpe {
    static final int CACHE_CAPACITY = 100_000;
    private static final int MAX_CACHED_WORD = 256;

    private final Map<String, Integer> vocab;
    /** (left id << 32 | right id) -> (rank << 32 | merged id). */
    private final Map<Long, Long> merges;
    private final boolean ignoreMerges;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    Bpe(Map<String, Integer> vocab, Map<Long, Long> merges, boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.ignoreMerges = ignoreMerges;
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xffffffffL);
    }

    /** Appends the ids of one byte-level word. */
    void encodeWord(String word, IdList out) {
        if (ignoreMerges) {
            Integer id = vocab.get(word);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = merge(word);
            if (word.length() <= MAX_CACHED_WORD && cache.size() < CACHE_CAPACITY) cache.put(word, ids);
        }
        out.addAll(ids);
    }

    /** Merges one word; every character is in the vocab (checked at load for the byte alphabet). */
    private int[] merge(String word) {
        int n = word.length();
        int[] id = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            Integer v = vocab.get(String.valueOf(word.charAt(i)));
            if (v == null) {
                throw new IllegalStateException("byte-level character U+" + Integer.toHexString(word.charAt(i))
                        + " is not in the vocabulary");
            }
            id[i] = v;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // Entries: rank << 32 | position; the smallest rank, then the leftmost position, pops first.
        PriorityQueue<Long> queue = new PriorityQueue<>(Math.max(1, n));
        for (int i = 0; i + 1 < n; i++) offer(queue, id[i], id[i + 1], i);
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            if (gone[pos] || next[pos] < 0) continue;
            int right = next[pos];
            Long m = merges.get(pair(id[pos], id[right]));
            if (m == null || (int) (m >>> 32) != rank) continue; // stale: this pair changed since queued
            id[pos] = (int) (long) m;
            gone[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            if (prev[pos] >= 0) offer(queue, id[prev[pos]], id[pos], prev[pos]);
            if (next[pos] >= 0) offer(queue, id[pos], id[next[pos]], pos);
        }
        IdList out = new IdList(n);
        for (int i = 0; i >= 0; i = next[i]) out.add(id[i]); // position 0 is never merged away
        return out.toArray();
    }

    private void offer(PriorityQueue<Long> queue, int left, int right, int pos) {
        Long m = merges.get(pair(left, right));
        if (m != null) queue.add(((m >>> 32) << 32) | pos);
    }

    /** Same merges (pairs, ranks and results) and the same ignore_merges. */
    boolean sameMerges(Bpe other) {
        return ignoreMerges == other.ignoreMerges && merges.equals(other.merges);
    }

    Map<String, Integer> vocab() {
        return vocab;
    }
}
