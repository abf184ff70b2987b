package io.specprefill.udf.llama;

/**
 * Which sequence and which KV slot each row of a packed batch belongs to (see {@link Backend}).
 * Host copies for the forward pass and the backend's own copies for its kernels.
 *
 * @param batch     B, sequences in the cache addressed by this step (rows may use any subset)
 * @param tokens    T, packed rows
 * @param seqStart  host [B' + 1]: rows of step-sequence i are [seqStart[i], seqStart[i+1])
 * @param seqIndex  host [B']: the cache sequence of step-sequence i
 * @param hostSeq   host [T]: the cache sequence of row t
 * @param hostSlot  host [T]: the KV slot of row t
 * @param seq       backend copy of hostSeq
 * @param slot      backend copy of hostSlot
 */
public record SeqBatch(int batch, int tokens, int[] seqStart, int[] seqIndex, int[] hostSeq, int[] hostSlot,
                       Backend.Ints seq, Backend.Ints slot) {

    /** Number of sequences that have rows in this step. */
    public int sequences() {
        return seqIndex.length;
    }
}
