package io.specprefill.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * attention_decode_v5's grid: one block a multiprocessor, in one wave (Kernels.splits5), and a shared
 * memory request that leaves no room for a second block on a multiprocessor (Kernels.decode5SharedBytes:
 * under programmatic launch two blocks could otherwise share one as the kernel before frees them).
 * Runs everywhere; the kernel itself is covered by AttentionKernelTest on a GPU.
 */
class DecodeGridTest {
    /** The driver reserves this much shared memory per resident block (sm_80 and sm_90). */
    private static final int RESERVED_PER_BLOCK = 1024;

    @Test
    void oneBlockAMultiprocessorInOneWave() {
        for (int sms : new int[]{132, 114, 108, 78, 16}) {
            for (int G : new int[]{1, 2, 4, 8}) {
                for (int T : new int[]{1, 2, 3, 8, 32, 100}) {
                    int splits = Kernels.splits5(T, G, sms);
                    assertTrue(splits >= 1, "at least one split");
                    if (T * G <= sms) {
                        assertTrue((long) splits * T * G <= sms, sms + " SMs, T=" + T + " G=" + G + ": one wave");
                        assertTrue((long) (splits + 1) * T * G > sms, sms + " SMs, T=" + T + " G=" + G + ": as many as fit");
                    } else {
                        assertEquals(1, splits, "more (row, KV head) pairs than SMs: no splitting");
                    }
                }
            }
        }
        assertEquals(16, Kernels.splits5(1, 8, 132), "the 8B at batch 1 on an H100/H200");
    }

    @Test
    void itsSharedMemoryAdmitsOneBlockAMultiprocessor() {
        // Shared memory a multiprocessor: sm_90 (H100, H200) and sm_80 (A100).
        for (int perSm : new int[]{233472, 167936}) {
            for (int D : new int[]{32, 64, 128}) {
                int bytes = Kernels.decode5SharedBytes(D, perSm);
                assertTrue(bytes >= Kernels.decode5Ring(D), "D=" + D + ": holds the ring");
                assertTrue(2L * (bytes + RESERVED_PER_BLOCK) > perSm, "D=" + D + ", " + perSm + " B: two blocks do not fit");
                assertTrue(bytes + RESERVED_PER_BLOCK <= perSm, "D=" + D + ", " + perSm + " B: one block fits");
            }
        }
    }
}
