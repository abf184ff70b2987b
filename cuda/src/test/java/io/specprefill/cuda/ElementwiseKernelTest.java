package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.testing.Approx;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

/**
 * embed_v1, rmsnorm_v2, swiglu_v1/v2 and add_v1 against their CpuBackend twins at tiny, odd and real
 * (Llama-3.2-1B / 3.1-8B) shapes. All float32 arithmetic on identical inputs (the embedding table is
 * BF16 on both sides), so tolerances are float32 rounding: exact for copies, 1e-5 relative otherwise;
 * a BF16 (narrow) output adds its own rounding: one BF16 step, rtol 1e-2.
 */
class ElementwiseKernelTest {
    private final CpuBackend cpu = new CpuBackend();

    @ParameterizedTest(name = "embed T={0} vocab={1} dim={2}")
    @CsvSource({"1, 10, 16", "7, 257, 130", "37, 128256, 512"})
    void embedMatchesCpu(int T, int vocab, int dim) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(1);
        float[] table = Gpu.uniformBf16(r, vocab * dim, 1.0);
        int[] tokens = new int[T];
        for (int t = 0; t < T; t++) tokens[t] = t == 0 ? vocab - 1 : r.nextInt(vocab);
        float[][] out = new float[2][];
        Backend[] backends = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Backend.Weight w = b.weight(Gpu.bf16("embed", table, vocab, dim));
                 Backend.Ints tok = Gpu.ints(b, tokens); Backend.Tensor o = Gpu.poisoned(b, T * dim)) {
                b.embed(o, w, tok, T, dim);
                out[i] = Gpu.read(b, o);
            }
        }
        Approx.assertClose(out[0], out[1], 0, 0, "embed T=" + T + " vocab=" + vocab + " dim=" + dim);
    }

    @ParameterizedTest(name = "rmsnorm T={0} dim={1} inPlace={2}")
    @CsvSource({"1, 16, false", "5, 130, true", "33, 2048, false", "9, 4096, true"})
    void rmsnormMatchesCpu(int T, int dim, boolean inPlace) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(2);
        float[] x = Gpu.uniform(r, T * dim, 3.0);
        float[] w = Gpu.uniform(r, dim, 1.5);
        float[][] out = new float[2][];
        Backend[] backends = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Backend.Weight wt = b.weight(Gpu.f32("norm", w, dim)); Backend.Tensor xt = Gpu.tensor(b, x);
                 Backend.Tensor o = Gpu.poisoned(b, T * dim)) {
                Backend.Tensor dst = inPlace ? xt : o;
                b.rmsnorm(dst, xt, wt, T, dim, 1e-5f);
                out[i] = Gpu.read(b, dst);
            }
        }
        Approx.assertClose(out[0], out[1], 1e-6, 1e-5, "rmsnorm T=" + T + " dim=" + dim);
    }

    @ParameterizedTest(name = "swiglu T={0} hidden={1}")
    @CsvSource({"1, 8", "3, 161", "17, 8192", "2, 14336"})
    void swigluMatchesCpu(int T, int hidden) {
        CudaBackend gpu = Gpu.backend();
        float[] gu = Gpu.uniform(new Random(3), 2 * T * hidden, 8.0);
        float[][] out = new float[2][];
        Backend[] backends = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Backend.Tensor g = Gpu.tensor(b, gu); Backend.Tensor o = Gpu.poisoned(b, T * hidden)) {
                b.swiglu(o, g, T, hidden);
                out[i] = Gpu.read(b, o);
            }
        }
        Approx.assertClose(out[0], out[1], 1e-6, 1e-5, "swiglu T=" + T + " hidden=" + hidden);
    }

    @ParameterizedTest(name = "rmsnorm to BF16 T={0} dim={1}")
    @CsvSource({"1, 16", "5, 130", "33, 2048", "9, 4096"})
    void rmsnormIntoANarrowTensorMatchesCpu(int T, int dim) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(12);
        float[] x = Gpu.uniform(r, T * dim, 3.0);
        float[] w = Gpu.uniform(r, dim, 1.5);
        float[][] out = new float[2][];
        Backend[] backends = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Backend.Weight wt = b.weight(Gpu.f32("norm", w, dim)); Backend.Tensor xt = Gpu.tensor(b, x);
                 Backend.Tensor o = Gpu.narrowPoisoned(b, T * dim)) {
                b.rmsnorm(o, xt, wt, T, dim, 1e-5f);
                out[i] = Gpu.read(b, o);
            }
        }
        Approx.assertClose(out[0], out[1], 1e-6, 1e-2, "rmsnorm to BF16 T=" + T + " dim=" + dim);
    }

    @ParameterizedTest(name = "swiglu BF16 T={0} hidden={1}")
    @CsvSource({"1, 8", "3, 161", "17, 8192", "2, 14336"})
    void swigluOnNarrowTensorsMatchesCpu(int T, int hidden) {
        CudaBackend gpu = Gpu.backend();
        float[] gu = Gpu.uniformBf16(new Random(13), 2 * T * hidden, 8.0);
        float[][] out = new float[2][];
        Backend[] backends = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Backend.Tensor g = Gpu.narrow(b, gu); Backend.Tensor o = Gpu.narrowPoisoned(b, T * hidden)) {
                b.swiglu(o, g, T, hidden);
                out[i] = Gpu.read(b, o);
            }
        }
        Approx.assertClose(out[0], out[1], 1e-6, 1e-2, "swiglu BF16 T=" + T + " hidden=" + hidden);
    }

    @ParameterizedTest(name = "add n={0}")
    @CsvSource({"1", "7", "4099", "8388608"})
    void addMatchesCpu(int n) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(4);
        float[] x = Gpu.uniform(r, n, 10.0), y = Gpu.uniform(r, n, 10.0);
        float[][] out = new float[2][];
        Backend[] backends = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Backend.Tensor xt = Gpu.tensor(b, x); Backend.Tensor yt = Gpu.tensor(b, y)) {
                b.add(xt, yt, n);
                out[i] = Gpu.read(b, xt);
            }
        }
        Approx.assertClose(out[0], out[1], 0, 0, "add n=" + n);
    }
}
