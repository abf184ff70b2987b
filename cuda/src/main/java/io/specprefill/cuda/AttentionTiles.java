package io.specprefill.cuda;

import io.specprefill.udf.llama.SeqBatch;

import jcuda.Pointer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The work list of attention_prefill for one packed batch: tiles of up to 64 consecutive rows of one
 * sequence, each {row0, rows, seq, minSlot, maxSlot, 0, 0, 0} (int32), heaviest (largest maxSlot)
 * first so the long causal tiles start early and the short ones fill the tail. Also max(slot) + 1,
 * the key range the decode kernel must cover.
 *
 * <p>Built on the host from the SeqBatch's host copies and uploaded once per batch: every layer of a
 * step reuses it. The cache is keyed by the batch's contents (the forward may reuse arrays).
 */
final class AttentionTiles implements AutoCloseable {
    private final Launcher launcher;
    private int[] seqStart = new int[0], seqIndex = new int[0], slots = new int[0];
    private DeviceMemory table;
    private int[] flat = new int[0];
    private boolean uploaded;
    private int numTiles;
    private int maxLen;
    private boolean allSingleRows;

    AttentionTiles(Launcher launcher) {
        this.launcher = launcher;
    }

    /**
     * Makes the tiles current for {@code batch} (host side only; {@link #table()} uploads them when
     * the prefill kernel needs them, so a decode step copies nothing).
     */
    void prepare(SeqBatch batch) {
        int T = batch.tokens();
        int[] hostSlot = Arrays.copyOf(batch.hostSlot(), T);
        if (Arrays.equals(seqStart, batch.seqStart()) && Arrays.equals(seqIndex, batch.seqIndex())
                && Arrays.equals(slots, hostSlot)) {
            return;
        }
        seqStart = batch.seqStart().clone();
        seqIndex = batch.seqIndex().clone();
        slots = hostSlot;
        List<int[]> tiles = new ArrayList<>();
        maxLen = 0;
        allSingleRows = true;
        for (int i = 0; i < batch.sequences(); i++) {
            int end = seqStart[i + 1];
            if (end - seqStart[i] != 1) allSingleRows = false;
            for (int r0 = seqStart[i]; r0 < end; r0 += Kernels.PREFILL_TILE_ROWS) {
                int rows = Math.min(Kernels.PREFILL_TILE_ROWS, end - r0);
                int min = Integer.MAX_VALUE, max = -1;
                for (int r = r0; r < r0 + rows; r++) {
                    min = Math.min(min, slots[r]);
                    max = Math.max(max, slots[r]);
                }
                maxLen = Math.max(maxLen, max + 1);
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

    /** max(slot) + 1 over the batch's rows. */
    int maxLen() {
        return maxLen;
    }

    /** True when every sequence of the step has exactly one row (a decode step). */
    boolean allSingleRows() {
        return allSingleRows;
    }

    @Override
    public void close() {
        if (table != null) table.close();
        table = null;
    }
}
