package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;
import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.testing.Approx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * gather_rows_v1 and argmax_v2 (vectorised rows where vocab % 4 == 0, scalar others) against
 * CpuBackend: both are exact (copies and comparisons).
 */
class GatherArgmaxKernelTest {
    private final CpuBackend cpu = new CpuBackend();

    @ParameterizedTest(name = "gatherRows R={0} stride={1} col={2} width={3}")
    @CsvSource({"1, 16, 0, 16", "3, 100, 7, 33", "5, 6144, 0, 4096", "2, 0, 1000, 96"})
    void gatherRowsMatchesCpu(int R, int stride, int colOffset, int width) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(7);
        int srcRows = 9;
        float[] src = Gpu.uniform(r, Math.max(srcRows * stride, colOffset + width) + width, 1.0);
        int[] rows = new int[R];
        for (int i = 0; i < R; i++) rows[i] = stride == 0 ? 0 : r.nextInt(srcRows);
        int dstOffset = 5;
        float[][] out = new float[2][];
        Backend[] backends = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Backend.Tensor s = Gpu.tensor(b, src); Backend.Ints rw = Gpu.ints(b, rows);
                 Backend.Tensor d = Gpu.poisoned(b, dstOffset + R * width)) {
                b.gatherRows(d, dstOffset, s, rw, R, stride, colOffset, width);
                out[i] = Gpu.read(b, d);
            }
        }
        Approx.assertClose(out[0], dstOffset, out[1], dstOffset, R * width, 0, 0, "gatherRows");
    }

    @ParameterizedTest(name = "argmax R={0} vocab={1}")
    @CsvSource({"1, 7", "4, 3005", "3, 128256", "2, 4100", "1, 151936", "5, 16"})
    void argmaxMatchesCpuWithTiesToTheLowestIndex(int R, int vocab) {
        CudaBackend gpu = Gpu.backend();
        Random r = new Random(8);
        float[] logits = Gpu.uniform(r, R * vocab, 20.0);
        for (int row = 0; row < R; row++) {   // a NaN never wins; of a planted tie, the lower index does
            logits[row * vocab + r.nextInt(vocab)] = Float.NaN;
            int a = r.nextInt(vocab), b = r.nextInt(vocab);
            logits[row * vocab + a] = 25f;
            logits[row * vocab + b] = 25f;
        }
        int[][] out = new int[2][];
        Backend[] backends = {cpu, gpu};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Backend.Tensor l = Gpu.tensor(b, logits); Backend.Ints o = b.ints(R)) {
                b.write(o, poison(R), R);
                b.argmax(o, l, R, vocab);
                out[i] = Gpu.read(b, o);
            }
        }
        assertArrayEquals(out[0], out[1], "argmax R=" + R + " vocab=" + vocab);
    }

    private static int[] poison(int n) {
        int[] v = new int[n];
        java.util.Arrays.fill(v, -1);
        return v;
    }

    @Test
    void argmaxOfAllEqualRowsIsZero() {
        CudaBackend gpu = Gpu.backend();
        try (Backend.Tensor l = Gpu.tensor(gpu, new float[2 * 50]); Backend.Ints o = Gpu.ints(gpu, new int[]{-1, -1})) {
            gpu.argmax(o, l, 2, 50);
            assertArrayEquals(new int[]{0, 0}, Gpu.read(gpu, o));
        }
    }
}
