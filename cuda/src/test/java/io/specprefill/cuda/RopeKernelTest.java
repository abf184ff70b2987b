package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.Rope;
import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.testing.Approx;
import io.specprefill.udf.testing.TinyLlama;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

/**
 * rope_v1 against CpuBackend.rope with llama3-scaled inverse frequencies and positions with gaps up
 * to 131071 (angles past 1e5 rad, where a fast sine would be wrong). The angle is the same float32
 * product on both sides; sincosf is within 2 ulp of the CPU's double cos/sin rounded to float:
 * atol 2e-6 for values of magnitude <= 2, plus rtol 1e-5.
 */
class RopeKernelTest {
    private final CpuBackend cpu = new CpuBackend();

    @ParameterizedTest(name = "rope T={0} H={1} G={2} D={3}")
    @CsvSource({"1, 4, 2, 16, 500000", "13, 6, 2, 32, 500000", "9, 5, 5, 8, 10000", "40, 32, 8, 64, 500000",
            "21, 32, 8, 128, 500000"})
    void ropeMatchesCpu(int T, int H, int G, int D, float theta) {
        CudaBackend gpu = Gpu.backend();
        LlamaConfig c = TinyLlama.config(H * D, 1, H, G, D, 8, 16, false, theta,
                new LlamaConfig.RopeScaling("llama3", 32f, 1f, 4f, 8192));
        float[] freq = Rope.invFreq(c);
        Random r = new Random(6);
        float[] qkv = Gpu.uniform(r, T * (H + 2 * G) * D, 2.0);
        int[] pos = new int[T];
        for (int t = 0; t < T; t++) pos[t] = t == T - 1 ? 131071 : r.nextInt(t % 2 == 0 ? 64 : 131072);
        float[][] out = new float[2][];
        Backend[] backends = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Backend.Tensor q = Gpu.tensor(b, qkv); Backend.Ints p = Gpu.ints(b, pos);
                 Backend.Tensor f = Gpu.tensor(b, freq)) {
                b.rope(q, p, f, T, H, G, D);
                out[i] = Gpu.read(b, q);
            }
        }
        Approx.assertClose(out[0], out[1], 2e-6, 1e-5, "rope T=" + T + " H=" + H + " G=" + G + " D=" + D);
    }
}
