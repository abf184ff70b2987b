package io.specprefill.udf.generate;

import java.io.Serializable;
import java.util.List;

/**
 * How stage 2 generates (design.md 5), checked here, once, where the record is built (the job builds
 * it when it reads its YAML config). Messages name the YAML keys.
 *
 * @param maxNewTokens generation limit per prompt (a row's own limit wins), &gt;= 1
 * @param temperature  0 for greedy
 * @param topP         nucleus mass, in (0, 1]
 * @param seed         sampling seed; a row samples with {@code seed + id.hashCode()}
 * @param stopStrings  generation stops once the decoded text contains one (e.g. "\n" for samsum)
 */
public record GenerationParams(int maxNewTokens, double temperature, double topP, long seed, List<String> stopStrings)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public GenerationParams {
        check(maxNewTokens >= 1, "max_new_tokens", maxNewTokens, ">= 1");
        check(temperature >= 0 && Double.isFinite(temperature), "temperature", temperature, ">= 0");
        check(topP > 0 && topP <= 1, "top_p", topP, "in (0, 1]");
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        check(stopStrings.stream().noneMatch(String::isEmpty), "stop_strings",
                stopStrings.stream().map(s -> '"' + s + '"').toList(), "non-empty strings");
    }

    /** The sampler of one row: greedy at temperature 0, else top-p seeded by the row's id. */
    public Sampler sampler(String rowId) {
        return Sampler.of(temperature, topP, seed + rowId.hashCode());
    }

    private static void check(boolean ok, String key, Object actual, String expected) {
        if (!ok) throw new IllegalArgumentException(key + "=" + actual + " must be " + expected);
    }
}
