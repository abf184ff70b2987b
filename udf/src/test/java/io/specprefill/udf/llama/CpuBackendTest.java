package io.specprefill.udf.llama;

import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.HostTensor;
import io.specprefill.udf.testing.Approx;
import io.specprefill.udf.testing.TinyLlama;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each element-wise / GEMM op of {@link CpuBackend} against a scalar double implementation, fixed seeds, odd shapes. */
class CpuBackendTest {
    private final CpuBackend b = new CpuBackend();
    private final Random r = new Random(42);

    static float[] rand(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    Backend.Tensor up(float[] v) {
        Backend.Tensor t = b.tensor(v.length);
        b.write(t, 0, v, v.length);
        return t;
    }

    Backend.Ints up(int[] v) {
        Backend.Ints t = b.ints(v.length);
        b.write(t, v, v.length);
        return t;
    }

    float[] down(Backend.Tensor t, int n) {
        float[] v = new float[n];
        b.read(t, 0, v, n);
        return v;
    }

    Backend.Weight weight(float[] v, int rows, int cols) {
        return b.weight(TinyLlama.tensor("w", DType.F32, rows == 1 ? new long[]{cols} : new long[]{rows, cols}, v));
    }

    @Test
    void matmulMatchesDoubleAtOddShapes() {
        int[][] shapes = {{1, 1, 1}, {1, 5, 7}, {3, 8, 64}, {5, 33, 129}, {17, 9, 3}, {8, 4, 4}, {13, 70, 300}, {2, 1001, 96}};
        for (int[] s : shapes) {
            int T = s[0], n = s[1], k = s[2];
            float[] x = rand(r, T * k), w = rand(r, n * k);
            Backend.Tensor out = b.tensor((long) T * n);
            b.matmul(out, up(x), weight(w, n, k), T, n, k);
            float[] expected = new float[T * n];
            for (int t = 0; t < T; t++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) acc += (double) x[t * k + p] * w[j * k + p];
                    expected[t * n + j] = (float) acc;
                }
            }
            Approx.assertClose(expected, down(out, T * n), 1e-4, 1e-5, "matmul T=" + T + " n=" + n + " k=" + k);
        }
    }

    /** The residual fused into the projection: bit for bit matmul into a temporary, then add. */
    @Test
    void matmulAddEqualsMatmulThenAddBitForBit() {
        int[][] shapes = {{1, 5, 7}, {5, 33, 129}, {8, 4, 4}, {13, 70, 300}};
        for (int[] s : shapes) {
            int T = s[0], n = s[1], k = s[2];
            float[] x = rand(r, T * k), w = rand(r, n * k), residual = rand(r, T * n);
            Backend.Weight wt = weight(w, n, k);
            Backend.Tensor fused = up(residual), separate = up(residual), tmp = b.tensor((long) T * n);
            b.matmulAdd(fused, up(x), wt, T, n, k);
            b.matmul(tmp, up(x), wt, T, n, k);
            b.add(separate, tmp, (long) T * n);
            assertArrayEquals(down(separate, T * n), down(fused, T * n), "matmulAdd T=" + T + " n=" + n + " k=" + k);
            assertTrue(java.util.Arrays.equals(down(up(residual), T * n), residual), "the input residual is untouched");
        }
    }

    /** A narrow tensor is an ordinary float32 tensor on the CPU: nothing is rounded. */
    @Test
    void narrowTensorsKeepFloat32OnTheCpu() {
        float[] v = rand(r, 9);
        Backend.Tensor t = b.narrowTensor(9);
        b.write(t, 0, v, 9);
        assertArrayEquals(v, down(t, 9));
    }

    @Test
    void matmulRowIsBitIdenticalAloneOrInABatch() {
        int T = 11, n = 37, k = 50;
        float[] x = rand(r, T * k), w = rand(r, n * k);
        Backend.Weight wt = weight(w, n, k);
        Backend.Tensor all = b.tensor((long) T * n);
        b.matmul(all, up(x), wt, T, n, k);
        float[] batched = down(all, T * n);
        for (int t = 0; t < T; t++) {
            float[] row = java.util.Arrays.copyOfRange(x, t * k, (t + 1) * k);
            Backend.Tensor one = b.tensor(n);
            b.matmul(one, up(row), wt, 1, n, k);
            assertArrayEquals(java.util.Arrays.copyOfRange(batched, t * n, (t + 1) * n), down(one, n), "row " + t);
        }
    }

    @Test
    void weightUploadStacksBlocksAndWidensEveryDtypeExactly() {
        HostTensor a = TinyLlama.random("a", DType.BF16, r, 1, 3, 5);
        HostTensor c = TinyLlama.random("c", DType.F16, r, 1, 2, 5);
        HostTensor d = TinyLlama.random("d", DType.F32, r, 1, 1, 5);
        Backend.Weight w = b.weight(a, c, d);
        assertEquals(6, w.rows());
        assertEquals(5, w.cols());
        // x = identity rows pick the stored values back out through matmul
        float[] eye = new float[5 * 5];
        for (int i = 0; i < 5; i++) eye[i * 5 + i] = 1f;
        Backend.Tensor out = b.tensor(5 * 6);
        b.matmul(out, up(eye), w, 5, 6, 5);
        float[] got = down(out, 30);
        float[][] blocks = {a.toFloatArray(), c.toFloatArray(), d.toFloatArray()};
        int row = 0;
        for (float[] blk : blocks) {
            for (int i = 0; i < blk.length / 5; i++, row++) {
                for (int j = 0; j < 5; j++) assertEquals(blk[i * 5 + j], got[j * 6 + row], "row " + row + " col " + j);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.weight(a, TinyLlama.random("bad", DType.F32, r, 1, 2, 4)));
        assertTrue(e.getMessage().contains("bad") && e.getMessage().contains("4 columns"), e.getMessage());
    }

    @Test
    void embedCopiesRowsAndRejectsTokensOutsideTheVocabulary() {
        float[] table = rand(r, 7 * 3);
        Backend.Tensor out = b.tensor(9);
        b.embed(out, weight(table, 7, 3), up(new int[]{6, 0, 6}), 3, 3);
        float[] got = down(out, 9);
        for (int c = 0; c < 3; c++) {
            assertEquals(table[18 + c], got[c]);
            assertEquals(table[c], got[3 + c]);
            assertEquals(table[18 + c], got[6 + c]);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.embed(out, weight(table, 7, 3), up(new int[]{7}), 1, 3));
        assertTrue(e.getMessage().contains("token 7"), e.getMessage());
    }

    @Test
    void rmsnormMatchesDoubleInPlaceAndNot() {
        int T = 3, dim = 7;
        float[] x = rand(r, T * dim), w = rand(r, dim);
        float[] expected = new float[T * dim];
        for (int t = 0; t < T; t++) {
            double ss = 0;
            for (int j = 0; j < dim; j++) ss += (double) x[t * dim + j] * x[t * dim + j];
            double inv = 1 / Math.sqrt(ss / dim + 1e-5);
            for (int j = 0; j < dim; j++) expected[t * dim + j] = (float) (w[j] * x[t * dim + j] * inv);
        }
        Backend.Tensor xt = up(x), out = b.tensor(T * dim);
        b.rmsnorm(out, xt, weight(w, 1, dim), T, dim, 1e-5f);
        Approx.assertClose(expected, down(out, T * dim), 1e-6, 1e-6, "rmsnorm");
        b.rmsnorm(xt, xt, weight(w, 1, dim), T, dim, 1e-5f);
        Approx.assertClose(expected, down(xt, T * dim), 1e-6, 1e-6, "rmsnorm in place");
    }

    @Test
    void ropeRotatesQueriesAndKeysAtExplicitPositionsAndLeavesValues() {
        int T = 5, H = 3, G = 1, D = 8, stride = (H + 2 * G) * D;
        int[] pos = {0, 3, 4, 100, 7};
        float[] qkv = rand(r, T * stride);
        float[] inv = {1f, 0.3f, 0.01f, 1e-4f};
        Backend.Tensor t = up(qkv);
        b.rope(t, up(pos), up(inv), T, H, G, D);
        float[] got = down(t, T * stride);
        float[] expected = qkv.clone();
        for (int row = 0; row < T; row++) {
            for (int h = 0; h < H + G; h++) {
                for (int i = 0; i < D / 2; i++) {
                    int j = row * stride + h * D + i;
                    double a = pos[row] * inv[i]; // the float32 product, as the backend
                    expected[j] = (float) (qkv[j] * Math.cos(a) - qkv[j + D / 2] * Math.sin(a));
                    expected[j + D / 2] = (float) (qkv[j + D / 2] * Math.cos(a) + qkv[j] * Math.sin(a));
                }
            }
        }
        Approx.assertClose(expected, got, 1e-6, 1e-6, "rope");
        for (int row = 0; row < T; row++) {
            int v = row * stride + (H + G) * D;
            Approx.assertClose(qkv, v, got, v, G * D, 0, 0, "values of row " + row + " untouched");
        }
    }

    @Test
    void addBiasBroadcastsOverRows() {
        int T = 5, n = 37;
        float[] x = rand(r, T * n + 3), bias = rand(r, n);
        Backend.Tensor xt = up(x);
        b.addBias(xt, weight(bias, 1, n), T, n);
        float[] got = down(xt, T * n + 3);
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < n; j++) {
                assertEquals((float) ((double) x[t * n + j] + bias[j]), got[t * n + j], "addBias [" + t + ", " + j + "]");
            }
        }
        for (int i = T * n; i < T * n + 3; i++) assertEquals(x[i], got[i], "past T rows untouched");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.addBias(xt, weight(bias, 1, n), T, n - 1));
        assertTrue(e.getMessage().contains("addBias"), e.getMessage());
    }

    @Test
    void rmsnormHeadsNormsEachHeadOfAStridedSliceAndNothingElse() {
        int T = 3, H = 3, G = 2, D = 6, stride = (H + 2 * G) * D;
        float eps = 1e-6f;
        float[] x = rand(r, T * stride), wq = rand(r, D), wk = rand(r, D);
        for (int i = 0; i < x.length; i++) x[i] *= 1 + (i % 7); // heads of different scales
        float[] expected = x.clone();
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < H + G; h++) {
                float[] w = h < H ? wq : wk;
                int base = t * stride + h * D;
                double ss = 0;
                for (int i = 0; i < D; i++) ss += (double) x[base + i] * x[base + i];
                double inv = 1 / Math.sqrt(ss / D + eps);
                for (int i = 0; i < D; i++) expected[base + i] = (float) (w[i] * x[base + i] * inv);
            }
        }
        Backend.Tensor xt = up(x);
        b.rmsnormHeads(xt, weight(wq, 1, D), T, stride, 0, H, D, eps);
        b.rmsnormHeads(xt, weight(wk, 1, D), T, stride, H * D, G, D, eps);
        float[] got = down(xt, T * stride);
        Approx.assertClose(expected, got, 1e-6, 1e-6, "rmsnormHeads");
        for (int t = 0; t < T; t++) {
            int v = t * stride + (H + G) * D;
            Approx.assertClose(x, v, got, v, G * D, 0, 0, "values of row " + t + " untouched");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.rmsnormHeads(xt, weight(wk, 1, D), T, stride, (H + 1) * D, G + 2, D, eps));
        assertTrue(e.getMessage().contains("outside a row of stride " + stride), e.getMessage());
    }

    @Test
    void swigluAddGatherArgmax() {
        int T = 3, hidden = 5;
        float[] gu = rand(r, T * 2 * hidden);
        Backend.Tensor out = b.tensor(T * hidden);
        b.swiglu(out, up(gu), T, hidden);
        float[] expected = new float[T * hidden];
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < hidden; j++) {
                double g = gu[t * 2 * hidden + j];
                expected[t * hidden + j] = (float) (g / (1 + Math.exp(-g)) * gu[t * 2 * hidden + hidden + j]);
            }
        }
        Approx.assertClose(expected, down(out, T * hidden), 1e-6, 1e-6, "swiglu");

        float[] x = rand(r, 40), y = rand(r, 40);
        Backend.Tensor xt = up(x);
        b.add(xt, up(y), 37);
        float[] sum = down(xt, 40);
        for (int i = 0; i < 40; i++) assertEquals(i < 37 ? x[i] + y[i] : x[i], sum[i], "add [" + i + "]");

        float[] src = rand(r, 4 * 10);
        Backend.Tensor dst = b.tensor(2 + 2 * 3);
        b.gatherRows(dst, 2, up(src), up(new int[]{3, 1}), 2, 10, 4, 3);
        float[] g = down(dst, 8);
        for (int c = 0; c < 3; c++) {
            assertEquals(src[3 * 10 + 4 + c], g[2 + c]);
            assertEquals(src[10 + 4 + c], g[5 + c]);
        }

        float[] logits = {1f, 5f, 5f, -2f, Float.NEGATIVE_INFINITY, -1f, -3f, -1f};
        Backend.Ints ids = b.ints(2);
        b.argmax(ids, up(logits), 2, 4);
        int[] got = new int[2];
        b.read(ids, got, 2);
        assertArrayEquals(new int[]{1, 1}, got, "argmax: lowest index wins ties");
    }
}
