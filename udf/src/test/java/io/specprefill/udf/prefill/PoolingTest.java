package io.specprefill.udf.prefill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PoolingTest {

    @Test
    void kernel3CountsZeroPaddingAtBothEdges() {
        // padding 1 each side, divisor always 3: [0+1+2, 1+2+3, 2+3+4, 3+4+0] / 3
        float[] out = Pooling.avgPool(new float[]{1, 2, 3, 4}, 3);
        assertArrayEquals(new float[]{3f / 3, 6f / 3, 9f / 3, 7f / 3}, out, 1e-7f);
    }

    @Test
    void kernel5OnASpikeSpreadsOneFifthEachWay() {
        float[] x = new float[7];
        x[0] = 1f; // at the left edge: only positions 0..2 see it
        x[5] = 10f; // near the right edge: positions 3..6 see it
        float[] out = Pooling.avgPool(x, 5);
        assertArrayEquals(new float[]{0.2f, 0.2f, 0.2f, 2f, 2f, 2f, 2f}, out, 1e-6f);
    }

    @Test
    void kernelWiderThanTheInputStillDividesByW() {
        float[] out = Pooling.avgPool(new float[]{3, 6}, 13);
        assertArrayEquals(new float[]{9f / 13, 9f / 13}, out, 1e-7f);
    }

    @Test
    void kernel1IsTheIdentity() {
        float[] x = {0.25f, 0.5f, 0.125f};
        assertArrayEquals(x, Pooling.avgPool(x, 1));
    }

    @Test
    void offsetsReadAndWriteOnlyTheirWindow() {
        float[] src = {100, 1, 2, 3, 100};
        float[] dst = {-1, -1, -1, -1, -1};
        Pooling.avgPool(src, 1, 3, 3, dst, 2);
        assertArrayEquals(new float[]{-1, -1, 1f, 2f, 5f / 3}, dst, 1e-6f);
    }

    @Test
    void evenOrNonPositiveKernelIsRejectedWithItsValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pooling.avgPool(new float[3], 4));
        assertEquals("pool kernel W=4 must be a positive odd number", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Pooling.avgPool(new float[3], 0));
    }

    @Test
    void importanceTakesMaxOverLayersAndHeadsThenMeanOverQueries() {
        // 2 layers x 1 head x 2 queries x 3 keys, kernel 1 so pooling is the identity
        float[][][][] p = {
                {{{0.5f, 0.5f, 0f}, {0.2f, 0.2f, 0.6f}}},
                {{{0.1f, 0.8f, 0.1f}, {1f, 0f, 0f}}}};
        // query 0: max = {0.5, 0.8, 0.1}; query 1: max = {1, 0.2, 0.6}; mean = {0.75, 0.5, 0.35}
        assertArrayEquals(new float[]{0.75f, 0.5f, 0.35f}, Importance.fromProbabilities(p, 1), 1e-6f);
    }

    @Test
    void importancePoolsBeforeTheMax() {
        // pooling first: two heads with spikes at 0 and 2 pool to {1/3,1/3,0,..} and {0,1/3,1/3,1/3};
        // max-then-pool would give {1/3, 2/3, 1/3, 1/3} instead.
        float[][][][] p = {{{{1f, 0f, 0f, 0f}}, {{0f, 0f, 1f, 0f}}}};
        float third = 1f / 3;
        assertArrayEquals(new float[]{third, third, third, third}, Importance.fromProbabilities(p, 3), 1e-6f);
    }
}
