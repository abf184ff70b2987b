package io.specprefill.udf.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The real Llama 3.1 and Qwen3 files (see {@link RealTokenizers}; skipped where they cannot be
 * fetched): our tokenizer reads both tokenizer.json files and encodes to the ids the files imply,
 * and the models' own chat templates render as transformers renders them.
 *
 * <p>Expected ids follow from the files: each is a single vocab entry (looked up below, e.g. Qwen3's
 * "Hello" = 9707, "Ġworld" = 1879) or an added token, split as the pre-tokenizer's regex says
 * (Llama 3: numbers in groups of up to 3 digits, \p{N}{1,3}; Qwen: one digit per piece, \p{N});
 * they were also cross-checked with @lenml/tokenizers 3.7.2, a port of transformers.js.
 */
class RealTokenizersTest {

    private static final Map<String, Tokenizer> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    /** Each file is read once (about a second each). */
    private static Tokenizer tokenizer(String name) {
        Path dir = RealTokenizers.model(name);
        return LOADED.computeIfAbsent(name, n -> Tokenizer.load(dir));
    }

    @Test
    void llama31TokenizerEncodesToTheIdsOfItsVocabulary() {
        Tokenizer t = tokenizer("llama3_1");
        assertEquals(128256, t.vocabSize());
        assertEquals(128000, t.bosId());
        assertEquals(9906, t.tokenId("Hello").getAsInt());
        assertEquals(1917, t.tokenId("Ġworld").getAsInt());
        assertArrayEquals(new int[]{128000, 9906, 1917}, t.encode("Hello world", true));
        assertArrayEquals(new int[]{4513, 1774}, t.encode("12345", false), "digits in groups of three: 123|45");
        assertEquals(2366, t.tokenId("202").getAsInt());
        assertArrayEquals(new int[]{2366, 19}, t.encode("2024", false), "202|4");
        assertArrayEquals(new int[]{64, 220, 293, 271, 66}, t.encode("a  b\n\nc", false), "a| |Ġb|ĊĊ|c");
        assertArrayEquals(new int[]{87, 128009, 88}, t.encode("x<|eot_id|>y", false), "an added special token inside text");
        assertEquals("Hello world", t.decode(t.encode("Hello world", true), true));
    }

    @Test
    void qwen3TokenizerEncodesToTheIdsOfItsVocabulary() {
        Tokenizer t = tokenizer("qwen3");
        assertEquals(151669, t.vocabSize());
        assertEquals(-1, t.bosId(), "Qwen adds no BOS");
        assertEquals(9707, t.tokenId("Hello").getAsInt());
        assertEquals(1879, t.tokenId("Ġworld").getAsInt());
        assertArrayEquals(new int[]{9707, 1879}, t.encode("Hello world", true));
        assertEquals(15, t.tokenId("0").getAsInt());
        assertArrayEquals(new int[]{17, 15, 17, 19}, t.encode("2024", false), "one digit per piece: 2|0|2|4");
        assertArrayEquals(new int[]{64, 271, 65}, t.encode("a\n\nb", false), "ĊĊ is one token");
        assertArrayEquals(new int[]{87, 151645, 88}, t.encode("x<|im_end|>y", false), "an added special token inside text");
        assertArrayEquals(new int[]{151667, 198, 562, 151668}, t.encode("<think>\nok</think>", false),
                "<think> is an added token that is not special");
        assertFalse(t.isSpecial(151667));
        assertArrayEquals(t.encode("h\u00e9llo", false), t.encode("he\u0301llo", false), "the NFC normalizer");
        assertArrayEquals(new int[]{71, 18503, 385}, t.encode("he\u0301llo", false));
    }

    @Test
    void llamaAndQwenVocabulariesDiffer() {
        assertFalse(tokenizer("qwen3").sameVocabulary(tokenizer("llama3_1")));
    }

    @Test
    void llama31ChatTemplateRendersAsTransformersDoes() {
        Path dir = RealTokenizers.model("llama3_1");
        ChatTemplate t = ChatTemplate.forModel(dir);
        String expected = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n";
        assertEquals(expected, t.format("Hi there"));
        assertEquals(expected, t.format("  Hi there\n"), "the template trims the content");
        assertEquals(ChatTemplate.LLAMA3.format("Hi there"), t.format("Hi there"), "the built-in fallback is the same format");
        assertArrayEquals(new int[]{128000, 128006, 882, 128007, 271, 13347, 1070, 128009, 128006, 78191, 128007, 271},
                t.encode(tokenizer("llama3_1"), "Hi there"), "BOS once, from the template");
        String twoTurns = t.render(List.of(ChatTemplate.message("system", "Be brief."), ChatTemplate.message("user", "Hi")),
                true, Map.of());
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                twoTurns);
    }

    @Test
    void qwen3ChatTemplateRendersAsTransformersDoes() {
        Path dir = RealTokenizers.model("qwen3");
        ChatTemplate t = ChatTemplate.forModel(dir);
        assertEquals("<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n", t.format("Hi there"));
        assertArrayEquals(new int[]{151644, 872, 198, 13048, 1052, 151645, 198, 151644, 77091, 198},
                t.encode(tokenizer("qwen3"), "Hi there"), "no BOS: Qwen has none");
        // the template's harder paths: a namespace updated in a reversed loop, str methods on the content
        var earlier = List.of(ChatTemplate.message("user", "Hi"),
                ChatTemplate.message("assistant", "<think>\nhmm\n</think>\n\nHello!"), ChatTemplate.message("user", "Again"));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
                + "<|im_start|>user\nAgain<|im_end|>\n<|im_start|>assistant\n", t.render(earlier, true, Map.of()),
                "an earlier turn's reasoning is dropped");
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nhmm\n</think>\n\nHello!<|im_end|>\n",
                t.render(earlier.subList(0, 2), false, Map.of()), "the last turn keeps its reasoning");
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
                        + "<think>\n\n</think>\n\n",
                t.render(List.of(ChatTemplate.message("system", "Be brief."), ChatTemplate.message("user", "Hi")), true,
                        Map.of("enable_thinking", false)), "a system turn; thinking off");
    }
}
