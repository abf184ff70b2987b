package io.specprefill.job;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's examples say where they run from (the repository's root folder), and every path they
 * use relative to it exists there, so a new user who follows them from the clone finds each file.
 */
class ReadmeExamplesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BLOCK = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern REPO_PATH = Pattern.compile("(?<![\\w/.$-])((?:bin|scripts|configs|models|docs)/[\\w./-]+)");

    @Test
    void examplesSayWhereTheyRunAndTheirPathsExistThere() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertTrue(readme.contains("Every example in this README runs from the repository's root folder"),
                "README says where its examples run from");
        List<String> missing = new ArrayList<>();
        int paths = 0;
        for (Matcher block = BLOCK.matcher(readme); block.find(); ) {
            for (Matcher path = REPO_PATH.matcher(block.group(1)); path.find(); paths++) {
                if (!Files.exists(ROOT.resolve(path.group(1)))) missing.add(path.group(1));
            }
        }
        assertTrue(paths > 5, "the README's examples name repository paths");
        assertTrue(missing.isEmpty(), "README examples name paths that are not in the repository: " + missing);
    }
}
