package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static io.specprefill.udf.model.SafeTensorsTest.assertMentions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaConfigTest {
    private static ObjectNode base() {
        return TestCheckpoints.config(64, 2, 4, 2, 16, 160, 100, true);
    }

    @Test
    void goldenConfigs() {
        LlamaConfig d = LlamaConfig.load(TestCheckpoints.golden("tiny-draft"));
        assertEquals(64, d.dim());
        assertEquals(2, d.kvMul());
        assertEquals(3000, d.bosTokenId());
        assertArrayEquals(new int[]{3004}, d.eosTokenIds());
        assertEquals("llama3", d.ropeScaling().ropeType());
        assertEquals(8f, d.ropeScaling().factor());
        assertEquals(4f, d.ropeScaling().highFreqFactor());
        assertEquals(64, d.ropeScaling().originalMaxPositions());
        assertEquals(500000f, d.ropeTheta());
        assertEquals("bfloat16", d.torchDtype());
        LlamaConfig t = LlamaConfig.load(TestCheckpoints.golden("tiny-target"));
        assertFalse(t.tiedEmbeddings());
        assertEquals(96 / 6, t.headDim());
    }

    @Test
    void eosIntOrList() {
        assertArrayEquals(new int[]{2}, LlamaConfig.parse(base(), "c").eosTokenIds());
        ObjectNode c = base();
        c.putArray("eos_token_id").add(128001).add(128008).add(128009);
        LlamaConfig cfg = LlamaConfig.parse(c, "c");
        assertArrayEquals(new int[]{128001, 128008, 128009}, cfg.eosTokenIds());
        assertTrue(cfg.isEos(128008));
        assertFalse(cfg.isEos(2));
        ObjectNode bad = base();
        bad.put("eos_token_id", "x");
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(bad, "cfg.json")),
                "cfg.json", "eos_token_id");
    }

    @Test
    void ropeScalingNullAbsentOrLlama3() {
        assertNull(LlamaConfig.parse(base(), "c").ropeScaling());
        ObjectNode absent = base();
        absent.remove("rope_scaling");
        assertNull(LlamaConfig.parse(absent, "c").ropeScaling());
        ObjectNode l3 = base();
        l3.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 32.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
        LlamaConfig.RopeScaling rs = LlamaConfig.parse(l3, "c").ropeScaling();
        assertEquals(32f, rs.factor());
        assertEquals(8192, rs.originalMaxPositions());
        ObjectNode yarn = base();
        yarn.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0);
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(yarn, "cfg.json")),
                "cfg.json", "rope_type=yarn");
        ObjectNode incomplete = base();
        incomplete.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0);
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(incomplete, "cfg.json")),
                "cfg.json", "low_freq_factor");
    }

    @Test
    void headDimDefaultsToHiddenOverHeads() {
        ObjectNode c = base();
        c.remove("head_dim");
        assertEquals(16, LlamaConfig.parse(c, "c").headDim());
        ObjectNode explicit = base().put("head_dim", 32);
        assertEquals(32, LlamaConfig.parse(explicit, "c").headDim());
        assertEquals(4 * 32, LlamaConfig.parse(explicit, "c").qDim());
    }

    @Test
    void badValuesNameTheKey() {
        ObjectNode gqa = base().put("num_key_value_heads", 3);
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(gqa, "cfg.json")),
                "cfg.json", "num_attention_heads=4", "num_key_value_heads=3");
        ObjectNode missing = base();
        missing.remove("vocab_size");
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(missing, "cfg.json")),
                "cfg.json", "vocab_size");
        ObjectNode arch = base();
        arch.putArray("architectures").add("MistralForCausalLM");
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.parse(arch, "cfg.json")),
                "cfg.json", "MistralForCausalLM", "supported: LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM");
    }
}
