package io.specprefill.job.eval.niah;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.GoldenModels;
import io.specprefill.udf.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class NeedlesTest {
    private static final Tokenizer TOKENIZER = Tokenizer.load(GoldenModels.dir("tiny-target"));
    /**
     * Non-ASCII text before the needles: token offsets must count bytes, not characters. The first
     * key holds a space (as in shared/data/niah/niah-2k.jsonl row niah-2k-59).
     */
    private static final String PROMPT = "Some numbers are hidden. Café crème — “quoted” naïve text. "
            + "One of the special magic numbers for sneaky-dune buggy is: 1234567. More text here. "
            + "One of the special magic numbers for wild-rocket is: 7654321. The end.\n"
            + "What is the special magic number for wild-rocket mentioned in the provided text? The special magic "
            + "number for wild-rocket mentioned in the provided text is";

    private static NiahRow row(List<String> answers, int needles) {
        return new NiahRow("test", "r1", PROMPT, answers, needles);
    }

    @Test
    void theAnswersSpanDecodesToItsNumber() {
        int[] ids = TOKENIZER.encode(PROMPT, true);
        Needles n = Needles.locate(row(List.of("7654321"), 2), ids, TOKENIZER);
        assertEquals(1, n.spans().size());
        assertEquals(2, n.allSpans().size());
        int[] span = n.spans().get(0);
        assertEquals("7654321", TOKENIZER.decode(Arrays.copyOfRange(ids, span[0], span[1]), true).strip());
        int[] first = n.allSpans().get(0);
        assertEquals("1234567", TOKENIZER.decode(Arrays.copyOfRange(ids, first[0], first[1]), true).strip());
        assertTrue(first[1] <= span[0], "prompt order");
        int[] sentence = n.sentences().get(0);
        assertEquals("One of the special magic numbers for wild-rocket is: 7654321.",
                TOKENIZER.decode(Arrays.copyOfRange(ids, sentence[0], sentence[1]), true).strip());
    }

    @Test
    void keptOnlyWhenEveryNumberTokenIsKept() {
        int[] ids = TOKENIZER.encode(PROMPT, true);
        Needles n = Needles.locate(row(List.of("7654321"), 2), ids, TOKENIZER);
        int[] span = n.spans().get(0);
        assertTrue(n.keptIn(IntStream.range(0, ids.length).toArray()));
        assertTrue(n.keptIn(IntStream.range(span[0], span[1]).toArray()));
        int[] sentence = n.sentences().get(0);
        assertFalse(n.sentencesKeptIn(IntStream.range(span[0], span[1]).toArray()), "the number alone");
        assertTrue(n.sentencesKeptIn(IntStream.range(sentence[0], sentence[1]).toArray()));
        int[] lastMissing = IntStream.range(0, ids.length).filter(t -> t != span[1] - 1).toArray();
        assertFalse(n.keptIn(lastMissing));
        assertFalse(n.keptIn(new int[] {0}));
    }

    @Test
    void aWrongNeedleCountOrAnUnknownAnswerNamesTheRow() {
        int[] ids = TOKENIZER.encode(PROMPT, true);
        String count = assertThrows(IllegalArgumentException.class,
                () -> Needles.locate(row(List.of("7654321"), 3), ids, TOKENIZER)).getMessage();
        assertEquals("test row r1: 2 needle sentences in the prompt, but needles=3", count);
        String unknown = assertThrows(IllegalArgumentException.class,
                () -> Needles.locate(row(List.of("1111111"), 2), ids, TOKENIZER)).getMessage();
        assertTrue(unknown.contains("answer 1111111 is the number of no needle sentence"), unknown);
        String other = assertThrows(IllegalStateException.class,
                () -> Needles.locate(row(List.of("7654321"), 2), TOKENIZER.encode(PROMPT + " x", true), TOKENIZER))
                .getMessage();
        assertTrue(other.contains("prompt tokens spell"), other);
    }
}
