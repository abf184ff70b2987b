package io.specprefill.udf.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.udf.llama.CpuBackend;
import io.specprefill.udf.llama.LlamaModel;
import io.specprefill.udf.model.Model;
import io.specprefill.udf.model.TestCheckpoints;
import org.junit.jupiter.api.Test;

/** The memory plan's terms for a real (tiny) model on the CPU backend, and its messages. */
class MemoryPlanTest {

    @Test
    void termsFollowTheModelAndTheBackend() {
        Model m = Model.load(TestCheckpoints.golden("tiny-target"));   // 3 layers, dim 96, 2 KV heads of 16, hidden 256
        try (CpuBackend cpu = new CpuBackend(); LlamaModel model = LlamaModel.upload(cpu, m.config(), m.weights());
             Generator g = new Generator(model)) {
            MemoryPlan plan = g.memoryPlan();
            assertEquals(2L * 3 * 32 * 4, plan.kvBytesPerToken(), "keys and values, 3 layers, 32 floats each");
            // x, xb, qkv (96 + 2 x 32), att, gate|up and act (3 x 256), float32, plus 4 ints
            assertEquals(4L * (96 + 96 + 160 + 96 + 768) + 16, plan.prefillBytesPerRow());
            assertEquals(4L * (96 + m.config().vocabSize()) + 8, plan.logitBytesPerRow());
            assertEquals(model.weightBytes(), plan.weightBytes());
            assertTrue(plan.weightBytes() > 4L * m.config().vocabSize() * 96, "at least the embedding");
            long need = plan.bytesFor(100, 20);
            assertEquals(120L * plan.kvBytesPerToken() + 100L * plan.prefillBytesPerRow() + plan.logitBytesPerRow(), need);
            assertTrue(plan.fits(100, 20, need));
            assertFalse(plan.fits(100, 20, need - 1));
            assertEquals(0, g.bytesHeld(), "nothing allocated before the first request");
        }
    }

    @Test
    void messagesCarryTheArithmetic() {
        MemoryPlan plan = new MemoryPlan(16L << 30, 128 << 10, 130 << 10, 1 << 20);
        String why = plan.whyNot(32768, 32, 3L << 30, "cuda:0");
        assertEquals("does not fit on cuda:0: the KV cache of 32768 kept + 32 new tokens takes 4.00 GiB (128.0 KiB a"
                + " token) and prefilling 32768 rows 4.06 GiB, 8.07 GiB in all, where 3.00 GiB is available beside the"
                + " model's 16.00 GiB of weights", why);
        String line = plan.describe(100L << 30, 140L << 30, "cuda:0");
        assertTrue(line.startsWith("memory plan on cuda:0: weights 16.00 GiB; a prompt token takes 128.0 KiB of KV"
                + " cache and 130.0 KiB of prefill activations"), line);
        assertTrue(line.endsWith("100.00 GiB free of 140.00 GiB: room for about 406,424 prompt tokens at once"), line);
        assertEquals("512.0 KiB", MemoryPlan.gib(512 << 10));
        assertEquals("3.0 MiB", MemoryPlan.gib(3 << 20));
    }
}
