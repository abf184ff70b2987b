package io.specprefill.cuda;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a step of fresh prefills runs its attention through cuDNN or through our
 * attention_prefill kernel. cuDNN's kernel is about twice as fast, but the first prefill of a shape
 * (a prompt length together with the cache's row stride) builds a plan: 40-50 ms of host time on an
 * H200, during which the GPU waits. A one-off prompt of 4K tokens on the 8B shape saves ~9 ms of
 * attention by cuDNN, so paying for its plan makes that prefill slower, and the job sees mostly
 * one-off shapes (every prompt has its own length, every batch its own cache capacity).
 *
 * <p>{@link Mode#COST} (the default) decides as rent-or-buy: while a shape has no plan its prefills
 * run on our kernel ("rent"), and what cuDNN would have saved on them is added up per shape; once
 * that sum, plus what cuDNN saves on the step at hand, reaches the plan's cost, the plan is built
 * ("buy") and the shape stays on cuDNN. A repeated shape thus pays at most about twice the best
 * choice, and a long prompt (8B at 16K saves ~150 ms) buys at once. {@link Mode#ALWAYS} builds every
 * plan (tests, and runs where every shape repeats many times).
 *
 * <p>The model of the two kernels is the H200's (KernelBench, 2026-11-30): causal attention at
 * 2 H D S^2 FLOP, cuDNN at 600 TFLOP/s for D >= 128 and 440 below, attention_prefill_v3 at 270 and
 * 245. A plan's price comes from this backend's builds ({@link BuildTimes#price}).
 * Both outputs match the CPU twin (AttentionKernelTest); they differ from each other by BF16
 * rounding, so which kernel served a row can move a near-tie token.
 */
final class CudnnPlanPolicy {
    enum Mode { COST, ALWAYS }

    /** Shapes remembered with the savings their prefills forwent; the oldest are dropped past this. */
    private static final int REMEMBERED = 4096;

    private final Map<List<Long>, Double> forgone = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Long>, Double> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** specprefill.cudnn.plans: "cost" (default) or "always", checked. */
    static Mode configured() {
        String v = System.getProperty("specprefill.cudnn.plans", "cost");
        return switch (v) {
            case "cost" -> Mode.COST;
            case "always" -> Mode.ALWAYS;
            default -> throw new CudaException("system property specprefill.cudnn.plans=" + v + ": expected cost or always");
        };
    }

    /** Milliseconds of causal attention over S rows, all layers, by cuDNN (ours = false) or by attention_prefill. */
    static double attentionMillis(boolean ours, int nHeads, int headDim, int S, int layers) {
        double tflops = headDim >= 128 ? (ours ? 270 : 600) : (ours ? 245 : 440);
        return layers * 2.0 * nHeads * headDim * (double) S * S / (tflops * 1e9);
    }

    /**
     * One step's decision. {@code keys[i]} is sequence i's plan key, {@code saved[i]} what cuDNN saves
     * on it over all layers (ms), {@code planned[i]} whether its plan exists. True: run cuDNN (the
     * caller builds the missing plans, and their shapes are forgotten here); false: run our kernel
     * (the missing shapes' forgone savings grow by this step's).
     */
    boolean useCudnn(Mode mode, List<List<Long>> keys, double[] saved, boolean[] planned, double planMillis) {
        if (mode == Mode.ALWAYS) return true;
        double gain = 0, cost = 0;
        for (int i = 0; i < keys.size(); i++) {
            gain += saved[i];
            if (!planned[i]) cost += Math.max(0, planMillis - forgone.getOrDefault(keys.get(i), 0.0));
        }
        boolean buy = gain >= cost;
        for (int i = 0; i < keys.size(); i++) {
            if (planned[i]) continue;
            if (buy) forgone.remove(keys.get(i));
            else forgone.merge(keys.get(i), saved[i], Double::sum);
        }
        return buy;
    }

    /** What this shape's prefills have forgone so far (ms; tests). */
    double forgone(List<Long> key) {
        return forgone.getOrDefault(key, 0.0);
    }

    /**
     * The wall times of a backend's plan builds, and the price the policy puts on the next one.
     * Measured in the job on an H200 (2026-11-30): the first build of a process takes 0.9-1.3 s
     * (cuDNN loads and initialises its engines), the others 40-68 ms, except while a model uploads
     * beside them (the target's prefetch), when they took 215-470 ms. A mean of everything priced
     * plans at 470 ms for the rest of stage 1 (no more builds came to correct it) and kept every
     * long draft prompt off cuDNN. So the price leaves out the first build, takes the cheapest of the
     * others (the cost of a build on this host when nothing else loads it), and never exceeds
     * {@link #PRICE_CAP_MILLIS}: a dearer build is a busy moment, not what plans cost. (This price
     * came after the last job run on the GPU, 2026-11-30; the next run's end lines show it working.)
     */
    static final class BuildTimes {
        /** The price before any build but the first (an H200 measured 40-68 ms, cuDNN 9.19). */
        static final double GUESS_MILLIS = 50;
        static final double PRICE_CAP_MILLIS = 100;

        private long builds;
        private double firstMillis, restMillis, cheapestMillis = Double.POSITIVE_INFINITY;

        void add(double millis) {
            if (builds++ == 0) {
                firstMillis = millis;
            } else {
                restMillis += millis;
                cheapestMillis = Math.min(cheapestMillis, millis);
            }
        }

        /** The price of the next plan (ms). */
        double price() {
            return builds <= 1 ? GUESS_MILLIS : Math.min(cheapestMillis, PRICE_CAP_MILLIS);
        }

        long builds() {
            return builds;
        }

        /** The first build (ms; 0 before it), cuDNN's start-up included. */
        double firstMillis() {
            return firstMillis;
        }

        /** The mean of the builds after the first (ms; 0 before there is one). */
        double meanMillis() {
            return builds <= 1 ? 0 : restMillis / (builds - 1);
        }
    }
}
