package io.specprefill.job.eval.ruler;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Sentence splitting for essay haystacks. RULER uses NLTK's Punkt ({@code sent_tokenize}); this
 * uses the JDK's English sentence rules, which agree on ordinary prose (both split after ". ", "? ",
 * "! " before a capital) and may differ on abbreviations. Needles go between sentences either way.
 */
final class Sentences {
    private Sentences() {
    }

    /** The sentences of {@code text}, each without surrounding whitespace, none empty. */
    static List<String> split(String text) {
        BreakIterator it = BreakIterator.getSentenceInstance(Locale.ENGLISH);
        it.setText(text);
        List<String> out = new ArrayList<>();
        for (int start = it.first(), end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            String s = text.substring(start, end).strip();
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
