package io.specprefill.udf.llama;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ParallelTest {

    @Test
    void everyIndexRunsOnceEvenWhenNested() {
        AtomicIntegerArray hits = new AtomicIntegerArray(37 * 5);
        Parallel.parallelFor(37, i -> Parallel.parallelFor(5, j -> hits.incrementAndGet(i * 5 + j)));
        for (int i = 0; i < hits.length(); i++) assertEquals(1, hits.get(i), "index " + i);
    }

    @Test
    void aFailingItemFailsTheCall() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.parallelFor(16, i -> {
            if (i == 11) throw new IllegalStateException("item 11");
        }));
        assertEquals("item 11", e.getMessage());
    }
}
