package io.specprefill.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;

import java.time.LocalDate;
import java.util.Arrays;

/**
 * Timing and table helpers of the benchmark mains: CUDA events on the backend's stream around GPU
 * work (warm-up first, median of repeats), a header line naming card, driver, date and command, and
 * fixed-width rows {@code op | shape | version | ms | GB/s | TFLOP/s | % of ceiling}.
 */
final class BenchSupport {
    /** Ceilings measured on the lent H100 (SPEC.md 7): BF16 GEMM 789 TFLOP/s, device copy 3.0 TB/s. */
    static final double PEAK_TFLOPS = 789;
    static final double PEAK_GBS = 3000;

    private BenchSupport() {
    }

    static void header(CudaBackend b, String command) {
        System.out.println("# " + b.describe());
        System.out.println("# attention kernels: attention_prefill_v" + b.prefillVersion + ", attention_decode_v"
                + b.decodeVersion);
        System.out.println("# date " + LocalDate.now() + ", git " + System.getProperty("specprefill.git", "?")
                + ", command: " + command);
    }

    /** Median milliseconds of {@code repeats} timed runs of body on the backend's stream, after warm-ups. */
    static double timeMs(CudaBackend b, int warmups, int repeats, Runnable body) {
        b.bind();
        for (int i = 0; i < warmups; i++) body.run();
        b.synchronize();
        CUevent start = new CUevent(), stop = new CUevent();
        JCudaDriver.cuEventCreate(start, 0);
        JCudaDriver.cuEventCreate(stop, 0);
        double[] ms = new double[repeats];
        float[] t = new float[1];
        for (int i = 0; i < repeats; i++) {
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
        double pct = 100 * Math.max(gbs / PEAK_GBS, tflops / PEAK_TFLOPS);
        System.out.printf("%-18s | %-28s | %-22s | %9.3f | %8.1f | %8.1f | %5.1f%%%n", op, shape, version, ms, gbs,
                tflops, pct);
    }
}
