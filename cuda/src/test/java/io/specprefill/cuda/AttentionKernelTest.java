package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.SeqBatch;
import io.specprefill.udf.testing.Approx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kv_write_v1, attention_prefill_v2/v3 and attention_decode_v1/v2 (+ combine) against CpuBackend on packed
 * batches: two sequences, a first step that fills sequence 0, a second step that continues sequence 0
 * (chunked prefill) while prefilling sequence 1, and a decode step of one row each. Each attention
 * kernel runs on every step (the decode kernel handles any rows; the prefill kernel handles decode
 * rows as one-row tiles), plus the AUTO choice. The GPU cache starts poisoned with NaN.
 *
 * <p>Keys and values are BF16-exact, so both caches hold identical values; queries are arbitrary
 * float32. Tolerance: the prefill kernel rounds Q and the softmax weights P to BF16 for the tensor
 * cores (relative 2^-9 each), so outputs (|v| &lt;= 1) are checked at atol 1e-2 + rtol 1e-2, and
 * norm-wise at 4e-3; the decode kernel is float32 throughout: atol 1e-5 + rtol 1e-4.
 */
class AttentionKernelTest {
    private final CpuBackend cpu = new CpuBackend();

    /** One step: rows of sequences (seq, firstSlot, count), laid out one sequence after another. */
    private static SeqBatch step(Backend b, int batch, int[][] parts) {
        List<Integer> seq = new ArrayList<>(), slot = new ArrayList<>();
        int[] seqStart = new int[parts.length + 1], seqIndex = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            seqIndex[i] = parts[i][0];
            for (int j = 0; j < parts[i][2]; j++) {
                seq.add(parts[i][0]);
                slot.add(parts[i][1] + j);
            }
            seqStart[i + 1] = seq.size();
        }
        int[] hs = seq.stream().mapToInt(Integer::intValue).toArray();
        int[] hl = slot.stream().mapToInt(Integer::intValue).toArray();
        return new SeqBatch(batch, hs.length, seqStart, seqIndex, hs, hl, Gpu.ints(b, hs), Gpu.ints(b, hl));
    }

    private static float[] qkvRows(Random r, int T, int H, int G, int D) {
        int stride = (H + 2 * G) * D;
        float[] q = Gpu.uniform(r, T * stride, 1.0);
        float[] kv = Gpu.uniformBf16(r, T * stride, 1.0);
        for (int t = 0; t < T; t++) System.arraycopy(kv, t * stride + H * D, q, t * stride + H * D, 2 * G * D);
        return q;
    }

    /**
     * Runs the steps on both backends; returns per compared step {cpu out, gpu out}. Steps whose
     * index is in {@code compare} are checked with the given path.
     */
    private void scenario(int H, int G, int D, int[][][] steps, boolean[] compare, CudaBackend.AttentionPath path,
                          int version) {
        CudaBackend gpu = Gpu.backend();
        gpu.prefillVersion = version;
        gpu.decodeVersion = version;
        int capacity = 0;
        for (int[][] s : steps) for (int[] p : s) capacity = Math.max(capacity, p[1] + p[2]);
        Random r = new Random(9 + H + D);
        try (Backend.KvCache cc = cpu.kvCache(1, 2, capacity, G, D); Backend.KvCache gc = gpu.kvCache(1, 2, capacity, G, D)) {
            gpu.poisonCache(gc);
            for (int s = 0; s < steps.length; s++) {
                SeqBatch cb = step(cpu, 2, steps[s]), gb = step(gpu, 2, steps[s]);
                int T = cb.tokens();
                float[] qkv = qkvRows(r, T, H, G, D);
                float[][] out = new float[2][];
                Backend[] bs = {cpu, gpu};
                Backend.KvCache[] caches = {cc, gc};
                SeqBatch[] batches = {cb, gb};
                for (int i = 0; i < 2; i++) {
                    try (Backend.Tensor q = Gpu.tensor(bs[i], qkv); Backend.Tensor o = Gpu.poisoned(bs[i], T * H * D)) {
                        bs[i].kvWrite(caches[i], 0, q, batches[i], H);
                        if (!compare[s]) continue;
                        gpu.attentionPath = path;
                        bs[i].attention(o, q, caches[i], 0, batches[i], H);
                        out[i] = Gpu.read(bs[i], o);
                    }
                }
                if (!compare[s]) continue;
                String what = path + " v" + version + " attention H=" + H + " G=" + G + " D=" + D + " step " + s;
                boolean tensorCores = path == CudaBackend.AttentionPath.PREFILL
                        || (path == CudaBackend.AttentionPath.AUTO && T > steps[s].length && Kernels.prefillSupports(D));
                if (tensorCores) {
                    Approx.assertClose(out[0], out[1], 1e-2, 1e-2, what);
                    double err = Gpu.relativeError(out[0], out[1]);
                    assertTrue(err < 4e-3, what + ": ||gpu - cpu|| / ||cpu|| = " + err);
                } else {
                    Approx.assertClose(out[0], out[1], 1e-5, 1e-4, what);
                }
            }
        }
    }

    private static final int[][][] PACKED = {
            {{0, 0, 100}},                       // sequence 0: slots 0..99
            {{0, 100, 65}, {1, 0, 130}},         // continue 0, prefill 1 (tiles of 64 + 1 and 64 + 64 + 2 rows)
            {{0, 165, 1}, {1, 130, 1}}};         // one decode row each

    @ParameterizedTest(name = "packed H={0} G={1} D={2} {3} v{4}")
    @CsvSource({"4, 2, 16, PREFILL, 2", "4, 2, 16, PREFILL, 3", "4, 2, 16, DECODE, 1", "4, 2, 16, DECODE, 2",
            "6, 3, 32, PREFILL, 3", "6, 2, 32, PREFILL, 2", "6, 2, 32, DECODE, 1", "6, 2, 32, DECODE, 2",
            "32, 8, 64, PREFILL, 2", "32, 8, 64, PREFILL, 3", "32, 8, 64, DECODE, 1", "32, 8, 64, DECODE, 2",
            "32, 8, 128, PREFILL, 2", "32, 8, 128, PREFILL, 3", "32, 8, 128, DECODE, 1", "32, 8, 128, DECODE, 2",
            "32, 8, 128, AUTO, 2", "6, 3, 48, DECODE, 1", "6, 3, 48, DECODE, 2", "6, 3, 48, AUTO, 2",
            "6, 3, 32, PREFILL, 2", "8, 1, 64, AUTO, 2", "6, 3, 20, AUTO, 2"})
    void packedStepsMatchCpu(int H, int G, int D, CudaBackend.AttentionPath path, int version) {
        scenario(H, G, D, PACKED, new boolean[]{true, true, true}, path, version);
    }

    @ParameterizedTest(name = "long prefill H={0} G={1} D={2} v{3}")
    @CsvSource({"32, 8, 64, 2", "32, 8, 64, 3", "32, 8, 128, 2", "32, 8, 128, 3", "6, 2, 32, 2"})
    void longPrefillMatchesCpu(int H, int G, int D, int version) {
        int[][][] steps = {{{0, 0, 1000}, {1, 0, 77}}};
        scenario(H, G, D, steps, new boolean[]{true}, CudaBackend.AttentionPath.AUTO, version);
    }

    @ParameterizedTest(name = "long decode H={0} G={1} D={2} v{3}")
    @CsvSource({"32, 8, 64, 1", "32, 8, 64, 2", "32, 8, 128, 1", "32, 8, 128, 2", "4, 2, 16, 1", "4, 2, 16, 2"})
    void decodeOverALongCacheMatchesCpu(int H, int G, int D, int version) {
        int[][][] steps = {{{0, 0, 5000}, {1, 0, 700}}, {{0, 5000, 1}, {1, 700, 1}}};
        scenario(H, G, D, steps, new boolean[]{false, true}, CudaBackend.AttentionPath.AUTO, version);
    }

    @Test
    void kvWriteStoresBf16RowsAtTheirSlotsAndNothingElse() {
        CudaBackend gpu = Gpu.backend();
        int H = 6, G = 2, D = 32, capacity = 50;
        try (Backend.KvCache c = gpu.kvCache(2, 3, capacity, G, D)) {
            gpu.poisonCache(c);
            SeqBatch b = step(gpu, 3, new int[][]{{2, 10, 5}, {0, 0, 3}});
            float[] qkv = Gpu.uniform(new Random(10), b.tokens() * (H + 2 * G) * D, 1.0);
            try (Backend.Tensor q = Gpu.tensor(gpu, qkv)) {
                gpu.kvWrite(c, 1, q, b, H);
            }
            for (boolean values : new boolean[]{false, true}) {
                float[] got = gpu.readCache(c, 1, values);
                float[] want = new float[got.length];
                java.util.Arrays.fill(want, Float.NaN);
                for (int t = 0; t < b.tokens(); t++) {
                    for (int g = 0; g < G; g++) {
                        for (int d = 0; d < D; d++) {
                            float v = qkv[t * (H + 2 * G) * D + (H + (values ? G : 0) + g) * D + d];
                            int at = ((b.hostSeq()[t] * G + g) * capacity + b.hostSlot()[t]) * D + d;
                            want[at] = io.specprefill.udf.model.DType.bf16ToFloat(io.specprefill.udf.model.DType.floatToBf16(v));
                        }
                    }
                }
                assertArrayEquals(want, got, (values ? "values" : "keys") + " of layer 1");
                float[] other = gpu.readCache(c, 0, values);
                for (int i = 0; i < other.length; i++) assertTrue(Float.isNaN(other[i]), "layer 0 element " + i + " was written");
            }
        }
    }

    @Test
    void aRowOutsideTheCacheIsRejectedBeforeAnyKernelRuns() {
        CudaBackend gpu = Gpu.backend();
        try (Backend.KvCache c = gpu.kvCache(1, 1, 8, 2, 16); Backend.Tensor q = gpu.tensor(6 * 16)) {
            SeqBatch b = step(gpu, 1, new int[][]{{0, 8, 1}});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpu.kvWrite(c, 0, q, b, 2));
            assertTrue(e.getMessage().contains("slot 8"), e.getMessage());
        }
    }
}
