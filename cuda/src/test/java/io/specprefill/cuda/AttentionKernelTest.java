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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * kv_write, attention_prefill_v2/v3, attention_decode_v1/v2/v5 and cuDNN's fused attention against
 * CpuBackend on packed batches: two sequences, a first step that fills sequence 0, a second step that
 * continues sequence 0 (chunked prefill) while prefilling sequence 1, and a decode step of one row
 * each. Each attention kernel runs on every step (the decode kernels handle any rows; the prefill
 * kernel handles decode rows as one-row tiles), plus the AUTO choice, with float32 and with narrow
 * (BF16) q|k|v and output. The GPU cache starts poisoned with NaN, outputs start as NaN.
 *
 * <p>Keys and values are BF16-exact, so both caches hold identical values; queries are arbitrary
 * float32, rounded to BF16 on the CPU side too when the GPU's are narrow. Tolerance: the tensor-core
 * kernels (prefill v2/v3, decode v5 and cuDNN's) round Q and the softmax weights P to BF16 (relative 2^-9 each), so
 * outputs (|v| &lt;= 1) are checked at atol 1e-2 + rtol 1e-2 and norm-wise at 4e-3 (6e-3 with a BF16
 * output); the decode kernels are float32 throughout: atol 1e-5 + rtol 1e-4, or the BF16 output's
 * rounding (atol 4e-3 + rtol 8e-3) when narrow.
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

    /** Which GPU kernels a scenario runs. */
    /** plans null: every plan is built in cuDNN scenarios (they must run cuDNN, whatever the policy would say). */
    private record Setup(KernelChoice.Path path, int prefillVersion, int decodeVersion, boolean narrow, boolean cudnn,
                         boolean cudnnDynamicShapes, CudnnPlanPolicy.Mode plans) {
        Setup(KernelChoice.Path path, int prefillVersion, int decodeVersion, boolean narrow, boolean cudnn) {
            this(path, prefillVersion, decodeVersion, narrow, cudnn, false, null);
        }

        void apply(CudaBackend gpu) {
            gpu.choice.path = path;
            gpu.choice.prefillVersion = prefillVersion;
            gpu.choice.decodeVersion = decodeVersion;
            gpu.choice.cudnn = cudnn;
            gpu.choice.cudnnPlans = plans != null ? plans : cudnn ? CudnnPlanPolicy.Mode.ALWAYS : CudnnPlanPolicy.configured();
            gpu.choice.cudnnDynamicShapes = cudnnDynamicShapes;
        }

        @Override
        public String toString() {
            return path + " prefill v" + prefillVersion + " decode v" + decodeVersion + (narrow ? " BF16" : " f32")
                    + (cudnn ? " cuDNN" + (cudnnDynamicShapes ? " (dynamic shapes)" : "") : "")
                    + (plans != null ? " plans " + plans : "");
        }
    }

    /** Runs the steps on both backends and compares the steps whose index is in {@code compare}. */
    private void scenario(int H, int G, int D, int[][][] steps, boolean[] compare, Setup setup) {
        CudaBackend gpu = Gpu.backend();
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
                try (Backend.Tensor cq = Gpu.tensor(cpu, setup.narrow ? Gpu.roundBf16(qkv) : qkv);
                     Backend.Tensor co = Gpu.poisoned(cpu, T * H * D);
                     Backend.Tensor gq = setup.narrow ? Gpu.narrow(gpu, qkv) : Gpu.tensor(gpu, qkv);
                     Backend.Tensor go = setup.narrow ? Gpu.narrowPoisoned(gpu, T * H * D) : Gpu.poisoned(gpu, T * H * D)) {
                    cpu.kvWrite(cc, 0, cq, cb, H);
                    gpu.kvWrite(gc, 0, gq, gb, H);
                    if (!compare[s]) continue;
                    setup.apply(gpu);
                    cpu.attention(co, cq, cc, 0, cb, H);
                    gpu.attention(go, gq, gc, 0, gb, H);
                    out[0] = Gpu.read(cpu, co);
                    out[1] = Gpu.read(gpu, go);
                    gpu.choice.reset();
                }
                String what = setup + " attention H=" + H + " G=" + G + " D=" + D + " step " + s;
                boolean prefillRows = setup.path == KernelChoice.Path.PREFILL
                        || (setup.path == KernelChoice.Path.AUTO && T > steps[s].length && Kernels.prefillSupports(D));
                boolean decodeOnTensorCores = setup.decodeVersion >= 5 && Kernels.decodeV5Supports(H, G, D);
                boolean tensorCores = prefillRows || decodeOnTensorCores;
                if (tensorCores) {
                    Approx.assertClose(out[0], out[1], 1e-2, 1e-2, what);
                    double err = Gpu.relativeError(out[0], out[1]);
                    assertTrue(err < (setup.narrow ? 6e-3 : 4e-3), what + ": ||gpu - cpu|| / ||cpu|| = " + err);
                } else if (setup.narrow) {
                    Approx.assertClose(out[0], out[1], 4e-3, 8e-3, what);
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

    @ParameterizedTest(name = "packed H={0} G={1} D={2} {3} prefill v{4} decode v{5} narrow={6}")
    @CsvSource({"4, 2, 16, PREFILL, 2, 5, false", "4, 2, 16, PREFILL, 3, 5, true", "4, 2, 16, DECODE, 3, 1, false",
            "4, 2, 16, DECODE, 3, 2, true", "6, 3, 32, PREFILL, 3, 5, false", "6, 2, 32, PREFILL, 2, 5, true",
            "6, 2, 32, DECODE, 3, 1, true", "6, 2, 32, DECODE, 3, 2, false", "6, 2, 32, DECODE, 3, 5, true",
            "32, 8, 64, PREFILL, 2, 5, false", "32, 8, 64, PREFILL, 3, 5, true", "32, 8, 64, DECODE, 3, 1, false",
            "32, 8, 64, DECODE, 3, 2, true", "32, 8, 64, DECODE, 3, 5, false", "32, 8, 64, DECODE, 3, 5, true",
            "32, 8, 128, PREFILL, 2, 5, true", "32, 8, 128, PREFILL, 3, 5, false", "32, 8, 128, DECODE, 3, 1, true",
            "32, 8, 128, DECODE, 3, 2, false", "32, 8, 128, DECODE, 3, 5, true", "32, 8, 128, AUTO, 3, 5, true",
            "6, 3, 48, DECODE, 3, 1, false", "6, 3, 48, DECODE, 3, 2, true", "6, 3, 48, AUTO, 3, 5, true",
            "8, 1, 64, AUTO, 3, 5, false", "8, 1, 64, DECODE, 3, 5, true", "6, 3, 20, AUTO, 3, 5, true",
            "16, 4, 256, DECODE, 3, 5, true", "32, 8, 128, DECODE, 3, 5, false", "4, 2, 16, DECODE, 3, 5, true"})
    void packedStepsMatchCpu(int H, int G, int D, KernelChoice.Path path, int prefill, int decode, boolean narrow) {
        scenario(H, G, D, PACKED, new boolean[]{true, true, true}, new Setup(path, prefill, decode, narrow, false));
    }

    @ParameterizedTest(name = "long prefill H={0} G={1} D={2} v{3} narrow={4}")
    @CsvSource({"32, 8, 64, 2, false", "32, 8, 64, 3, true", "32, 8, 128, 2, true", "32, 8, 128, 3, false",
            "6, 2, 32, 2, true"})
    void longPrefillMatchesCpu(int H, int G, int D, int version, boolean narrow) {
        int[][][] steps = {{{0, 0, 1000}, {1, 0, 77}}};
        scenario(H, G, D, steps, new boolean[]{true}, new Setup(KernelChoice.Path.AUTO, version, 5, narrow, false));
    }

    /** Fresh prefills of one and of two sequences in a step: the shapes cuDNN's fused attention serves. */
    @ParameterizedTest(name = "cuDNN prefill H={0} G={1} D={2} lengths {3}/{4}")
    @CsvSource({"32, 8, 128, 1000, 77", "32, 8, 64, 4096, 0", "32, 8, 128, 3000, 1", "6, 2, 64, 130, 45",
            "32, 8, 128, 1, 0"})
    void cudnnPrefillMatchesCpu(int H, int G, int D, int first, int second) {
        CudaBackend gpu = Gpu.backend();
        assumeTrue(gpu.usesCudnn(), "cuDNN's fused attention is not in use here: " + gpu.describe());
        int[][][] steps = second > 0 ? new int[][][]{{{0, 0, first}, {1, 0, second}}} : new int[][][]{{{0, 0, first}}};
        long before = gpu.cudnnChoices()[0];
        scenario(H, G, D, steps, new boolean[]{true}, new Setup(KernelChoice.Path.AUTO, 3, 5, true, true));
        if (first > 1 || second > 1) {   // a step of single rows is a decode step: no prefill kernel serves it
            assertTrue(gpu.cudnnChoices()[0] > before, "cuDNN did not serve the prefill");
        }
    }

    /**
     * The default plan policy ("cost"): a one-off short prefill does not pay for a plan, so our
     * kernel serves it, no plan is built, and it matches the CPU.
     */
    @Test
    void underTheCostPolicyAOneOffShortPrefillRunsOurKernel() {
        CudaBackend gpu = Gpu.backend();
        assumeTrue(gpu.usesCudnn(), "cuDNN's fused attention is not in use here: " + gpu.describe());
        long[] before = gpu.cudnnChoices();
        long plans = gpu.cudnn().buildTimes().builds();
        scenario(32, 8, 128, new int[][][]{{{0, 0, 1231}}}, new boolean[]{true},
                new Setup(KernelChoice.Path.AUTO, 3, 5, true, true, false, CudnnPlanPolicy.Mode.COST));
        long[] after = gpu.cudnnChoices();
        assertEquals(before[1] + 1, after[1], "our kernel should have served the one-off prefill");
        assertEquals(before[0], after[0], "cuDNN served a prefill whose plan does not pay");
        assertEquals(plans, gpu.cudnn().buildTimes().builds(), "a plan was built");
    }

    /**
     * Prompt lengths one after another with dynamic-shape plans: the first builds the kernel cache of
     * its topology, the others bind its kernel; every output matches the CPU's.
     */
    @ParameterizedTest(name = "cuDNN dynamic-shape prefills H={0} G={1} D={2}")
    @CsvSource({"32, 8, 128", "6, 2, 64"})
    void cudnnDynamicShapePrefillsMatchCpu(int H, int G, int D) {
        CudaBackend gpu = Gpu.backend();
        assumeTrue(gpu.usesCudnn(), "cuDNN's fused attention is not in use here: " + gpu.describe());
        for (int n : new int[]{1000, 1537, 77, 4093, 1000}) {
            scenario(H, G, D, new int[][][]{{{0, 0, n}}}, new boolean[]{true},
                    new Setup(KernelChoice.Path.AUTO, 3, 5, true, true, true, null));
        }
        assumeTrue(gpu.cudnn().dynamicRefused() == null, "the outputs matched, but through static plans: cuDNN "
                + "refused dynamic shapes: " + gpu.cudnn().dynamicRefused());
        assertTrue(gpu.cudnn().kernelCaches() >= 1, "no kernel cache was made");
    }

    @ParameterizedTest(name = "long decode H={0} G={1} D={2} v{3} narrow={4}")
    @CsvSource({"32, 8, 64, 1, false", "32, 8, 64, 2, true", "32, 8, 128, 1, true",
            "32, 8, 128, 2, false", "4, 2, 16, 1, true",
            "4, 2, 16, 2, false", "32, 8, 128, 5, true", "32, 8, 64, 5, false", "16, 2, 128, 5, true"})
    void decodeOverALongCacheMatchesCpu(int H, int G, int D, int version, boolean narrow) {
        int[][][] steps = {{{0, 0, 5000}, {1, 0, 700}}, {{0, 5000, 1}, {1, 700, 1}}};
        scenario(H, G, D, steps, new boolean[]{false, true}, new Setup(KernelChoice.Path.AUTO, 3, version, narrow, false));
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
