package io.specprefill.cuda;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rent-or-buy choice between cuDNN (a plan per shape) and attention_prefill; no GPU needed. */
class CudnnPlanPolicyTest {
    private static final double PLAN_MS = 45;

    /** The 8B shape (H=32, D=128, 32 layers): what cuDNN saves on a fresh prefill of S rows. */
    private static double saved8b(int S) {
        return CudnnPlanPolicy.attentionMillis(true, 32, 128, S, 32) - CudnnPlanPolicy.attentionMillis(false, 32, 128, S, 32);
    }

    private static List<Long> key(int S) {
        return Cudnn.key(32, 8, S, 128, 6144, 4096, 40000L * 128);
    }

    @Test
    void theKernelModelIsTheH200sMeasurement() {
        // KernelBench on an H200 (2026-11-30): cuDNN 0.931 ms, attention_prefill_v3 2.159 ms for one layer of H=32
        // G=8 D=128 at 8K; cuDNN 9.579 ms at D=64 and 32K. The model is within 10% of each.
        assertEquals(0.931, CudnnPlanPolicy.attentionMillis(false, 32, 128, 8192, 1), 0.931 * 0.1);
        assertEquals(2.159, CudnnPlanPolicy.attentionMillis(true, 32, 128, 8192, 1), 2.159 * 0.1);
        assertEquals(9.579, CudnnPlanPolicy.attentionMillis(false, 32, 64, 32768, 1), 9.579 * 0.1);
    }

    @Test
    void aOneOffShortPrefillRunsOurKernelAndALongOneBuysItsPlan() {
        CudnnPlanPolicy p = new CudnnPlanPolicy();
        double short4k = saved8b(4096), long16k = saved8b(16384);
        assertTrue(short4k > 5 && short4k < 20, "cuDNN saves ~9 ms on 4K of the 8B shape: " + short4k);
        assertFalse(p.useCudnn(CudnnPlanPolicy.Mode.COST, List.of(key(4096)), new double[]{short4k}, new boolean[]{false},
                PLAN_MS));
        assertEquals(short4k, p.forgone(key(4096)), 1e-9);
        assertTrue(p.useCudnn(CudnnPlanPolicy.Mode.COST, List.of(key(16384)), new double[]{long16k}, new boolean[]{false},
                PLAN_MS), "16K saves " + long16k + " ms, more than a plan");
        assertEquals(0, p.forgone(key(16384)));
    }

    @Test
    void aRepeatedShapeBuysItsPlanOnceItsForgoneSavingsReachThePlansCost() {
        CudnnPlanPolicy p = new CudnnPlanPolicy();
        double s = saved8b(4096);
        int rentals = 0;
        while (!p.useCudnn(CudnnPlanPolicy.Mode.COST, List.of(key(4096)), new double[]{s}, new boolean[]{false}, PLAN_MS)) {
            rentals++;
            assertTrue(rentals < 100, "never bought");
        }
        // Bought on the step whose saving brings the total to the plan's cost: ceil(45 / s) - 1 rentals before it.
        assertEquals((int) Math.ceil(PLAN_MS / s) - 1, rentals);
        assertEquals(0, p.forgone(key(4096)), "a bought shape starts over");
        // Its plan now exists: it stays on cuDNN at no cost.
        assertTrue(p.useCudnn(CudnnPlanPolicy.Mode.COST, List.of(key(4096)), new double[]{s}, new boolean[]{true}, PLAN_MS));
    }

    @Test
    void aStepDecidesForAllItsSequences() {
        CudnnPlanPolicy p = new CudnnPlanPolicy();
        // A long sequence with its plan pays for a short one's plan: one cuDNN pass for both.
        assertTrue(p.useCudnn(CudnnPlanPolicy.Mode.COST, List.of(key(32768), key(1000)),
                new double[]{saved8b(32768), saved8b(1000)}, new boolean[]{true, false}, PLAN_MS));
        // Two short ones without plans: our kernel for both, each remembering what it forwent.
        assertFalse(p.useCudnn(CudnnPlanPolicy.Mode.COST, List.of(key(2000), key(3000)),
                new double[]{saved8b(2000), saved8b(3000)}, new boolean[]{false, false}, PLAN_MS));
        assertEquals(saved8b(2000), p.forgone(key(2000)), 1e-9);
        assertEquals(saved8b(3000), p.forgone(key(3000)), 1e-9);
    }

    @Test
    void alwaysBuildsEveryPlan() {
        CudnnPlanPolicy p = new CudnnPlanPolicy();
        assertTrue(p.useCudnn(CudnnPlanPolicy.Mode.ALWAYS, List.of(key(10)), new double[]{0.001}, new boolean[]{false},
                PLAN_MS));
    }

    @Test
    void aPlanIsPricedByTheCheapestBuildAfterTheFirstAndNeverAboveTheCap() {
        CudnnPlanPolicy.BuildTimes t = new CudnnPlanPolicy.BuildTimes();
        assertEquals(CudnnPlanPolicy.BuildTimes.GUESS_MILLIS, t.price());
        t.add(1349);   // cuDNN's start-up rides on the first build
        assertEquals(CudnnPlanPolicy.BuildTimes.GUESS_MILLIS, t.price());
        // Builds while a model uploads beside them (measured 468 ms): a busy moment, priced at the cap.
        t.add(470);
        t.add(466);
        assertEquals(CudnnPlanPolicy.BuildTimes.PRICE_CAP_MILLIS, t.price());
        assertEquals(468, t.meanMillis(), 1e-9);
        // One quiet build sets the price from then on.
        t.add(61);
        t.add(70);
        assertEquals(61, t.price());
        assertEquals(5, t.builds());
        assertEquals(1349, t.firstMillis());
        // With the capped price a long draft prompt (1B shape: H=32, D=64, 16 layers; 32K) buys its plan at once,
        // which the mean (~470 ms) refused in the job.
        double saved = CudnnPlanPolicy.attentionMillis(true, 32, 64, 32768, 16)
                - CudnnPlanPolicy.attentionMillis(false, 32, 64, 32768, 16);
        assertTrue(saved > CudnnPlanPolicy.BuildTimes.PRICE_CAP_MILLIS && saved < 468, "saved " + saved);
    }

    @Test
    void theSettingIsChecked() {
        String before = System.getProperty("specprefill.cudnn.plans");
        try {
            System.setProperty("specprefill.cudnn.plans", "sometimes");
            CudaException e = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class, CudnnPlanPolicy::configured);
            assertTrue(e.getMessage().contains("specprefill.cudnn.plans=sometimes"), e.getMessage());
            System.setProperty("specprefill.cudnn.plans", "always");
            assertEquals(CudnnPlanPolicy.Mode.ALWAYS, CudnnPlanPolicy.configured());
        } finally {
            if (before == null) System.clearProperty("specprefill.cudnn.plans");
            else System.setProperty("specprefill.cudnn.plans", before);
        }
        assertEquals(CudnnPlanPolicy.Mode.COST, CudnnPlanPolicy.configured());
    }
}
