package io.specprefill.job.eval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the public evaluation data lives for tests: {@code shared/data} next to the clone
 * (CI puts the clone beside {@code shared/}). The system property {@code specprefill.shared}
 * (the {@code shared} folder) overrides the search. Absent data means the test is skipped.
 */
public final class SharedData {
    private SharedData() {
    }

    /** The {@code shared/data} folder, searched from {@code user.dir} upwards. */
    public static Optional<Path> dir() {
        String override = System.getProperty("specprefill.shared");
        if (override != null) {
            Path p = Path.of(override).resolve("data");
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("shared").resolve("data");
            if (Files.isDirectory(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** {@code shared/data/<relative>} when it exists. */
    public static Optional<Path> resolve(String relative) {
        return dir().map(d -> d.resolve(relative)).filter(Files::exists);
    }

    /** {@code shared/<relative>} (e.g. fixtures/hf-golden/tokenizer) when it exists. */
    public static Optional<Path> resolveShared(String relative) {
        return dir().map(d -> d.getParent().resolve(relative)).filter(Files::exists);
    }

    public static String missing(String relative) {
        return "shared/data/" + relative + " not found (searched upwards from user.dir for shared/data; "
                + "set -Dspecprefill.shared=/path/to/shared to point at it): test skipped";
    }
}
