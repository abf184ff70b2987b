package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PyFormatTest {
    private static final Map<String, String> F = Map.of("context", "C{x}", "input", "I");

    @Test
    void substitutesNamedFieldsAndUnescapesBraces() {
        assertEquals("C{x}\n\nI {lit} }", PyFormat.format("{context}\n\n{input} {{lit}} }}", F, "t"));
        // Values are not re-parsed and unused fields are ignored, as in Python.
        assertEquals("only C{x}", PyFormat.format("only {context}", F, "t"));
    }

    @Test
    void rejectsWhatPythonRejects() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> PyFormat.format("{question}", F, "dataset2prompt.json: qasper"));
        assertTrue(missing.getMessage().contains("dataset2prompt.json: qasper"), missing.getMessage());
        assertTrue(missing.getMessage().contains("question"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PyFormat.format("a } b", F, "t"));
        assertThrows(IllegalArgumentException.class, () -> PyFormat.format("a { b", F, "t"));
        assertThrows(IllegalArgumentException.class, () -> PyFormat.format("{context!r}", F, "t"));
    }
}
