package io.specprefill.udf.llama;

import io.specprefill.udf.model.LlamaConfig;
import io.specprefill.udf.model.TestCheckpoints;
import io.specprefill.udf.testing.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CPU forward pass against the Hugging Face reference outputs of the qwen-golden models
 * (tiny-qwen2: q/k/v biases, tied, BF16; tiny-qwen3: q_norm/k_norm, head_dim 32 with hidden / heads
 * 16, untied, F32), with GoldenForwardTest's checks and bounds (logits 1e-4, attention 1e-5,
 * greedy and pruned-prefill tokens identical).
 *
 * <p>The fixtures are made on a machine with PyTorch by scripts/make_qwen_goldens.py; until they
 * are committed under udf/src/test/resources/qwen-golden/, every test here is reported as skipped
 * with that reason, never passed.
 */
class QwenGoldenTest {
    private final CpuBackend backend = new CpuBackend();

    private static Golden golden(String name) {
        Path dir = TestCheckpoints.qwenGolden(name);
        assumeTrue(dir != null, "qwen-golden/" + name + " is not in the test resources yet: run"
                + " scripts/make_qwen_goldens.py where PyTorch and transformers are (see its header) and commit"
                + " its output as udf/src/test/resources/qwen-golden/");
        return Golden.load(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen2", "tiny-qwen3"})
    void checkpointIsTheArchitectureItClaims(String name) {
        Golden g = golden(name);
        LlamaConfig c = LlamaConfig.load(g.dir);
        if (name.equals("tiny-qwen2")) {
            assertEquals(LlamaConfig.Architecture.QWEN2, c.architecture());
            assertEquals(c.dim() / c.nHeads(), c.headDim());
        } else {
            assertEquals(LlamaConfig.Architecture.QWEN3, c.architecture());
            assertNotEquals(c.dim() / c.nHeads(), c.headDim(), "head_dim apart from hidden / heads");
        }
        assertEquals(1e6f, c.ropeTheta());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen2", "tiny-qwen3"})
    void fullPrefillMatchesLogitsArgmaxSumAndAttention(String name) {
        GoldenForwardTest.fullPrefill(backend, golden(name), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen2", "tiny-qwen3"})
    void greedyContinuationIsIdentical(String name) {
        GoldenForwardTest.greedy(backend, golden(name), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen2", "tiny-qwen3"})
    void prunedPrefillAtOriginalPositions(String name) {
        GoldenForwardTest.prunedPrefill(backend, golden(name), name);
    }
}
