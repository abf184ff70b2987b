package io.specprefill.udf.task;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TruncationTest {

    @Test
    void keepsFirstAndLastHalf() {
        int[] ids = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertArrayEquals(new int[]{1, 2, 3, 8, 9, 10}, Truncation.middle(ids, 6));
        // odd limit: max/2 from each end, as LongBench's int(max_length/2)
        assertArrayEquals(new int[]{1, 2, 9, 10}, Truncation.middle(ids, 5));
    }

    @Test
    void shortEnoughIsUnchanged() {
        int[] ids = {1, 2, 3};
        assertSame(ids, Truncation.middle(ids, 3));
    }

    @Test
    void tooSmallALimitIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Truncation.middle(new int[]{1, 2, 3}, 1));
    }
}
