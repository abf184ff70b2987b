package io.specprefill.udf.llama;

import java.util.Arrays;

/**
 * The rows of one prefill step, on the host: B' sequences packed one after another. Each sequence
 * brings its tokens, the RoPE position of every token (explicit; gaps allowed, e.g. kept tokens at
 * their original indices), the KV-cache sequence it belongs to, and the first KV slot it appends to:
 * its rows take slots firstSlot, firstSlot + 1, ... (slots are compact, positions need not be).
 */
public final class Batch {
    final int[] tokens;    // [T]
    final int[] positions; // [T]
    final int[] seqStart;  // [B' + 1]: rows of step-sequence i are [seqStart[i], seqStart[i + 1])
    final int[] seqIndex;  // [B']: cache sequence of step-sequence i
    final int[] firstSlot; // [B']: KV slot of the first row of step-sequence i

    private Batch(int[] tokens, int[] positions, int[] seqStart, int[] seqIndex, int[] firstSlot) {
        this.tokens = tokens;
        this.positions = positions;
        this.seqStart = seqStart;
        this.seqIndex = seqIndex;
        this.firstSlot = firstSlot;
    }

    /** One sequence (cache sequence 0, slots from 0) at positions 0..T-1. */
    public static Batch of(int[] tokens) {
        int[] pos = new int[tokens.length];
        for (int i = 0; i < pos.length; i++) pos[i] = i;
        return of(tokens, pos);
    }

    /** One sequence (cache sequence 0, slots from 0) at the given positions. */
    public static Batch of(int[] tokens, int[] positions) {
        return builder().add(0, tokens, positions, 0).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Total rows T. */
    public int rows() {
        return tokens.length;
    }

    /** Sequences B' in this step. */
    public int sequences() {
        return seqIndex.length;
    }

    /** Cache sequence of step-sequence i. */
    public int seq(int i) {
        return seqIndex[i];
    }

    /** First row of step-sequence i. */
    public int start(int i) {
        return seqStart[i];
    }

    /** One past the last row of step-sequence i. */
    public int end(int i) {
        return seqStart[i + 1];
    }

    /** The last row of every sequence: where the next token's logits come from. */
    public int[] lastRows() {
        int[] rows = new int[sequences()];
        for (int i = 0; i < rows.length; i++) rows[i] = end(i) - 1;
        return rows;
    }

    /** Adds sequences one at a time; each cache sequence at most once per step. */
    public static final class Builder {
        private int[] tokens = new int[0];
        private int[] positions = new int[0];
        private int[] seqStart = {0};
        private int[] seqIndex = new int[0];
        private int[] firstSlot = new int[0];

        /** Appends sequence {@code seq}'s rows: tokens at positions, KV slots from firstSlot on. */
        public Builder add(int seq, int[] tok, int[] pos, int first) {
            if (tok.length == 0) throw new IllegalArgumentException("Batch: sequence " + seq + " has no tokens");
            if (tok.length != pos.length) {
                throw new IllegalArgumentException("Batch: sequence " + seq + " has " + tok.length + " tokens but "
                        + pos.length + " positions");
            }
            if (seq < 0 || first < 0) throw new IllegalArgumentException("Batch: seq " + seq + ", firstSlot " + first + " must be >= 0");
            for (int s : seqIndex) {
                if (s == seq) throw new IllegalArgumentException("Batch: cache sequence " + seq + " added twice in one step");
            }
            for (int i = 0; i < pos.length; i++) {
                if (pos[i] < 0) throw new IllegalArgumentException("Batch: sequence " + seq + " position[" + i + "]=" + pos[i] + " < 0");
            }
            int n = tokens.length;
            tokens = Arrays.copyOf(tokens, n + tok.length);
            System.arraycopy(tok, 0, tokens, n, tok.length);
            positions = Arrays.copyOf(positions, n + pos.length);
            System.arraycopy(pos, 0, positions, n, pos.length);
            int b = seqIndex.length;
            seqIndex = Arrays.copyOf(seqIndex, b + 1);
            seqIndex[b] = seq;
            firstSlot = Arrays.copyOf(firstSlot, b + 1);
            firstSlot[b] = first;
            seqStart = Arrays.copyOf(seqStart, b + 2);
            seqStart[b + 1] = tokens.length;
            return this;
        }

        public Batch build() {
            if (seqIndex.length == 0) throw new IllegalArgumentException("Batch: no sequences");
            return new Batch(tokens, positions, seqStart, seqIndex, firstSlot);
        }
    }
}
