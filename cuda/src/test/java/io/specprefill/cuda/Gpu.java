package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.HostTensor;
import io.specprefill.udf.testing.TinyLlama;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Shared helpers of the GPU tests: the skip when no GPU is usable (never a silent pass), one
 * CudaBackend per JVM with every launch synchronized and checked, fixed-seed inputs, and NaN
 * poisoning of outputs (an element a kernel forgets to write then fails the comparison).
 */
final class Gpu {
    private static CudaBackend backend;

    private Gpu() {
    }

    /** The shared backend on device 0, or the test is skipped with the reason. */
    static synchronized CudaBackend backend() {
        assumeTrue(Cuda.available(), "no usable GPU: " + Cuda.unavailableReason());
        assumeTrue(Cublas.available(), "cuBLAS unavailable: " + Cublas.unavailableReason());
        if (backend == null) {
            System.setProperty("specprefill.cuda.syncCheck", "true");
            backend = CudaBackend.open(0);
            System.out.println("GPU tests on " + backend.describe());
        }
        backend.choice.reset();
        return backend;
    }

    /** Uniform in [-scale, scale). */
    static float[] uniform(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((2 * r.nextDouble() - 1) * scale);
        return v;
    }

    /** Uniform values that BF16 represents exactly: the GPU's BF16 casts of them are lossless. */
    static float[] uniformBf16(Random r, int n, double scale) {
        float[] v = uniform(r, n, scale);
        for (int i = 0; i < n; i++) v[i] = DType.bf16ToFloat(DType.floatToBf16(v[i]));
        return v;
    }

    static HostTensor bf16(String name, float[] v, long... shape) {
        return TinyLlama.tensor(name, DType.BF16, shape, v);
    }

    static HostTensor f32(String name, float[] v, long... shape) {
        return TinyLlama.tensor(name, DType.F32, shape, v);
    }

    static Backend.Tensor tensor(Backend b, float[] v) {
        Backend.Tensor t = b.tensor(v.length);
        b.write(t, 0, v, v.length);
        return t;
    }

    /** A narrow tensor (BF16 on the GPU, float32 on the CPU) holding v (rounded on the GPU). */
    static Backend.Tensor narrow(Backend b, float[] v) {
        Backend.Tensor t = b.narrowTensor(v.length);
        b.write(t, 0, v, v.length);
        return t;
    }

    /** A narrow tensor of n NaNs. */
    static Backend.Tensor narrowPoisoned(Backend b, int n) {
        float[] nan = new float[n];
        Arrays.fill(nan, Float.NaN);
        return narrow(b, nan);
    }

    /** v rounded to BF16 (what a narrow GPU tensor holds). */
    static float[] roundBf16(float[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = DType.bf16ToFloat(DType.floatToBf16(v[i]));
        return r;
    }

    static Backend.Ints ints(Backend b, int[] v) {
        Backend.Ints t = b.ints(v.length);
        b.write(t, v, v.length);
        return t;
    }

    /** A tensor of n NaNs. */
    static Backend.Tensor poisoned(Backend b, int n) {
        float[] nan = new float[n];
        Arrays.fill(nan, Float.NaN);
        return tensor(b, nan);
    }

    static float[] read(Backend b, Backend.Tensor t) {
        float[] v = new float[Math.toIntExact(t.size())];
        b.read(t, 0, v, v.length);
        return v;
    }

    static int[] read(Backend b, Backend.Ints t) {
        int[] v = new int[t.size()];
        b.read(t, v, v.length);
        return v;
    }

    /** ||a - e|| / ||e|| over all elements (docs/design.md section 9's norm check for BF16 operands). */
    static double relativeError(float[] expected, float[] actual) {
        double num = 0, den = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = (double) actual[i] - expected[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
        }
        return Math.sqrt(num / den);
    }

    static int[] range(int from, int n) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = from + i;
        return v;
    }
}
