package io.specprefill.cuda;

import io.specprefill.udf.llama.SeqBatch;

import jcuda.Pointer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The shape of one packed batch as the attention kernels need it, built on the host from the
 * SeqBatch's host copies once per batch (every layer of a step reuses it; the cache is keyed by the
 * batch's contents, since the forward pass may reuse arrays):
 * <ul>
 *   <li>the work list of attention_prefill: tiles of up to 64 consecutive rows of one sequence, each
 *       {row0, rows, seq, minSlot, maxSlot, 0, 0, 0} (int32), heaviest (largest maxSlot) first so the
 *       long causal tiles start early and the short ones fill the tail; uploaded only when the prefill
 *       kernel asks, so a decode step copies nothing;</li>
 *   <li>whether every sequence of the step is a fresh prefill (its rows take slots 0, 1, ... in
 *       order), the case cuDNN's fused attention covers, with each sequence's first row and length;</li>
 *   <li>whether every sequence has exactly one row (a decode step).</li>
 * </ul>
 */
final class AttentionTiles implements AutoCloseable {
    private final Launcher launcher;
    private int[] seqStart = new int[0], seqIndex = new int[0], slots = new int[0];
    private DeviceMemory table;
    private int[] flat = new int[0];
    private boolean uploaded;
    private int numTiles;
    private boolean allSingleRows;
    private boolean allFresh;

    AttentionTiles(Launcher launcher) {
        this.launcher = launcher;
    }

    /** Makes the shape current for {@code batch} (host side only). */
    void prepare(SeqBatch batch) {
        int T = batch.tokens();
        int B = batch.sequences();
        if (seqStart.length == B + 1 && Arrays.equals(seqStart, 0, B + 1, batch.seqStart(), 0, B + 1)
                && Arrays.equals(seqIndex, batch.seqIndex()) && Arrays.equals(slots, 0, slots.length, batch.hostSlot(), 0, T)
                && slots.length == T) {
            return;
        }
        seqStart = Arrays.copyOf(batch.seqStart(), B + 1);
        seqIndex = batch.seqIndex().clone();
        slots = Arrays.copyOf(batch.hostSlot(), T);
        List<int[]> tiles = new ArrayList<>();
        allSingleRows = true;
        allFresh = true;
        for (int i = 0; i < B; i++) {
            int start = seqStart[i], end = seqStart[i + 1];
            if (end - start != 1) allSingleRows = false;
            for (int r = start; r < end; r++) {
                if (slots[r] != r - start) {
                    allFresh = false;
                    break;
                }
            }
            for (int r0 = start; r0 < end; r0 += Kernels.PREFILL_TILE_ROWS) {
                int rows = Math.min(Kernels.PREFILL_TILE_ROWS, end - r0);
                int min = Integer.MAX_VALUE, max = -1;
                for (int r = r0; r < r0 + rows; r++) {
                    min = Math.min(min, slots[r]);
                    max = Math.max(max, slots[r]);
                }
                tiles.add(new int[]{r0, rows, seqIndex[i], min, max, 0, 0, 0});
            }
        }
        tiles.sort((a, b) -> Integer.compare(b[4], a[4]));
        numTiles = tiles.size();
        flat = new int[Math.max(numTiles, 1) * 8];
        for (int t = 0; t < numTiles; t++) System.arraycopy(tiles.get(t), 0, flat, t * 8, 8);
        uploaded = false;
    }

    /** The device address of the tile table of the current batch, uploading it once. */
    long table() {
        if (uploaded) return table.address;
        if (table == null || table.bytes < flat.length * 4L) {
            if (table != null) {
                launcher.synchronize("attention tile table resize");   // earlier kernels may still read it
                table.close();
            }
            table = DeviceMemory.allocate(flat.length * 4L, "attention tile table", launcher.device);
        }
        table.upload(0, Pointer.to(flat), flat.length * 4L);
        uploaded = true;
        return table.address;
    }

    int numTiles() {
        return numTiles;
    }

    /** True when every sequence of the step has exactly one row (a decode step). */
    boolean allSingleRows() {
        return allSingleRows;
    }

    /** True when every sequence's rows take slots 0, 1, 2, ... in order (a fresh prefill). */
    boolean allFresh() {
        return allFresh;
    }

    /** Step-sequences of the current batch. */
    int sequences() {
        return seqIndex.length;
    }

    /** First packed row of step-sequence i. */
    int start(int i) {
        return seqStart[i];
    }

    /** Rows of step-sequence i. */
    int length(int i) {
        return seqStart[i + 1] - seqStart[i];
    }

    /** Cache sequence of step-sequence i. */
    int cacheSequence(int i) {
        return seqIndex[i];
    }

    @Override
    public void close() {
        if (table != null) table.close();
        table = null;
    }
}
