package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.Random;

/**
 * Timing and table helpers of the benchmark mains: CUDA events on the backend's stream around GPU
 * work (warm-up first, median of repeats), a header line naming card, driver, date and command, and
 * fixed-width rows {@code op | shape | version | ms | GB/s | TFLOP/s | % of ceiling}.
 */
final class BenchSupport {
    /** Ceilings, measured on the card by {@link #measureCeilings} (defaults: an H200's, BENCHMARKS.md). */
    static double peakTflops = 790;
    static double peakGbs = 4300;
    private static DeviceMemory flush;

    private BenchSupport() {
    }

    /**
     * Benchmarks time shapes they repeat, so they report cuDNN's steady state: every plan is built on
     * first use (specprefill.cudnn.plans=always) unless the command line says otherwise. The job's
     * default, "cost", serves one-off short prefills by attention_prefill instead (CudnnPlanPolicy).
     */
    static void steadyStatePlans() {
        if (System.getProperty("specprefill.cudnn.plans") == null) System.setProperty("specprefill.cudnn.plans", "always");
    }

    static void header(CudaBackend b, String command) {
        System.out.println("# " + b.describe());
        System.out.println("# attention: " + (b.usesCudnn() ? "cuDNN fused (fresh BF16 prefills), " : "")
                + "attention_prefill_v" + b.choice.prefillVersion + ", attention_decode_v" + b.choice.decodeVersion
                + "; decode steps as CUDA graphs: " + b.choice.graphs + "; cuDNN plans: "
                + b.choice.cudnnPlans.name().toLowerCase(java.util.Locale.ROOT));
        System.out.println("# date " + LocalDate.now() + ", git " + System.getProperty("specprefill.git", "?")
                + ", command: " + command);
    }

    /**
     * The two ceilings of a roofline (the fastest copy and the fastest GEMM), measured here: a 2 GiB device-to-device copy (bytes read plus
     * written) and an 8192^3 BF16 GEMM through our cuBLAS path, random data, median of 10.
     */
    static void measureCeilings(CudaBackend b) {
        long bytes = 2L << 30;
        try (DeviceMemory src = DeviceMemory.allocate(bytes, "copy source", b.name());
             DeviceMemory dst = DeviceMemory.allocate(bytes, "copy destination", b.name())) {
            SyntheticLlama.fillUniformF32(b, src.address, bytes / 4, 1, 1f);
            double ms = timeMs(b, 2, 10, () -> Cuda.check(JCudaDriver.cuMemcpyDtoDAsync(dst.ptr, src.ptr, bytes,
                    b.launcher().stream), "copy"));
            peakGbs = 2.0 * bytes / ms / 1e6;
        }
        int n = 8192;
        try (Backend.Weight w = SyntheticLlama.randomWeight(b, n, n, 7, 0.03f, "w");
             Backend.Tensor x = b.narrowTensor((long) n * n); Backend.Tensor o = b.narrowTensor((long) n * n)) {
            Handles.Tensor xt = (Handles.Tensor) x;
            SyntheticLlama.fillBf16(b, xt.at(0), (long) n * n, 8, 1f);
            double ms = timeMs(b, 2, 10, () -> b.matmul(o, x, w, n, n, n));
            peakTflops = 2.0 * n * n * n / ms / 1e9;
        }
        System.out.printf("# ceilings measured here: device copy %.0f GB/s (read + write), BF16 GEMM 8192^3 %.0f TFLOP/s%n",
                peakGbs, peakTflops);
    }

    /**
     * Like {@link #timeMs}, with L2 (60 MB on an H200) flushed before each timed run by reading 512 MiB
     * (l2_flush_v1: clean lines; a memset's dirty lines would charge their write-back to the next kernel).
     */
    static double timeMsCold(CudaBackend b, int warmups, int repeats, Runnable body) {
        if (flush == null) {
            flush = DeviceMemory.allocate(512L << 20, "L2 flush", b.name());
            Cuda.check(JCudaDriver.cuMemsetD8Async(flush.ptr, (byte) 1, flush.bytes, b.launcher().stream), "L2 flush fill");
        }
        Launcher.Kernel k = new Launcher.Kernel("synthetic", "l2_flush_v1");
        return timeMs(b, warmups, repeats, body, () -> b.launcher().launch(k, 1056, 1, 1, 512, 0).ptr(flush.address)
                .ptr(flush.bytes / 16).ptr(flush.address).go());
    }

    /** Median milliseconds of {@code repeats} timed runs of body on the backend's stream, after warm-ups. */
    static double timeMs(CudaBackend b, int warmups, int repeats, Runnable body) {
        return timeMs(b, warmups, repeats, body, () -> { });
    }

    /** Per call: {@code inner} calls of body back to back in each timed run (median over runs / inner). */
    static double timeMs(CudaBackend b, int warmups, int repeats, int inner, Runnable body) {
        return timeMs(b, warmups, repeats, () -> {
            for (int i = 0; i < inner; i++) body.run();
        }) / inner;
    }

    private static double timeMs(CudaBackend b, int warmups, int repeats, Runnable body, Runnable beforeEach) {
        b.bind();
        for (int i = 0; i < warmups; i++) body.run();
        b.synchronize();
        CUevent start = new CUevent(), stop = new CUevent();
        JCudaDriver.cuEventCreate(start, 0);
        JCudaDriver.cuEventCreate(stop, 0);
        double[] ms = new double[repeats];
        float[] t = new float[1];
        for (int i = 0; i < repeats; i++) {
            beforeEach.run();
            JCudaDriver.cuEventRecord(start, b.kernels().launcher().stream);
            body.run();
            JCudaDriver.cuEventRecord(stop, b.kernels().launcher().stream);
            JCudaDriver.cuEventSynchronize(stop);
            JCudaDriver.cuEventElapsedTime(t, start, stop);
            ms[i] = t[0];
        }
        JCudaDriver.cuEventDestroy(start);
        JCudaDriver.cuEventDestroy(stop);
        Arrays.sort(ms);
        return ms[repeats / 2];
    }

    /** Median wall milliseconds of body (which must synchronize itself), after warm-ups. */
    static double wallMs(int warmups, int repeats, Runnable body) {
        for (int i = 0; i < warmups; i++) body.run();
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            body.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[repeats / 2];
    }

    static void tableHeader() {
        System.out.printf("%-18s | %-28s | %-22s | %9s | %8s | %8s | %6s%n", "op", "shape", "version", "ms", "GB/s",
                "TFLOP/s", "% ceil");
    }

    /** One row; bytes or flops may be 0 when not meaningful; the ceiling is the larger of the two fractions. */
    static void row(String op, String shape, String version, double ms, double bytes, double flops) {
        double gbs = bytes / ms / 1e6, tflops = flops / ms / 1e9;
        double pct = 100 * Math.max(gbs / peakGbs, tflops / peakTflops);
        System.out.printf("%-18s | %-28s | %-22s | %9.3f | %8.1f | %8.1f | %5.1f%%%n", op, shape, version, ms, gbs,
                tflops, pct);
    }

    /** One row of the model tables: {@code model | measure | ms | per second}. */
    static void modelRow(String model, String measure, double ms, double perSecond) {
        System.out.printf("%-14s | %-40s | %10.2f | %10.1f%n", model, measure, ms, perSecond);
    }

    /** {@code n} token ids drawn uniformly from the vocabulary, the same for the same seed. */
    static int[] randomTokens(int n, int vocab, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(vocab);
        return t;
    }
}
