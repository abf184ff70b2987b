package io.specprefill.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The hf-golden tiny models of the udf test-jar as folders: resources inside a jar (after
 * {@code mvn package}) are copied out once; plain test-classes folders are used as they are.
 */
public final class GoldenModels {
    private GoldenModels() {
    }

    private static final List<String> FILES = List.of("config.json", "model.safetensors", "tokenizer.json",
            "generation_config.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code tiny-draft} or {@code tiny-target}. */
    public static synchronized Path dir(String name) {
        URL url = GoldenModels.class.getResource("/hf-golden/" + name + "/config.json");
        if (url == null) {
            throw new IllegalStateException("test resource hf-golden/" + name + " is missing (udf test-jar)");
        }
        try {
            if (url.getProtocol().equals("file")) {
                return Path.of(url.toURI()).getParent();
            }
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "specprefill-golden-" + ProcessHandle.current().pid(), name);
            Files.createDirectories(dir);
            dir.getParent().toFile().deleteOnExit();   // deleted in reverse order of registration: files first
            dir.toFile().deleteOnExit();
            for (String file : FILES) {
                try (InputStream in = GoldenModels.class.getResourceAsStream("/hf-golden/" + name + "/" + file)) {
                    Files.copy(in, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
                dir.resolve(file).toFile().deleteOnExit();
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy hf-golden/" + name, e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(url.toString(), e);
        }
    }

    /** A copy of {@code name} in {@code into}, to change in place. */
    public static Path copy(String name, Path into) throws IOException {
        Path src = dir(name);
        Files.createDirectories(into);
        for (String file : FILES) {
            Files.copy(src.resolve(file), into.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        return into;
    }

    /**
     * A copy of {@code name} in {@code into} whose tokenizer gives two tokens each other's ids: same
     * size, different vocabulary (a draft that must not be paired with the golden target).
     */
    public static Path withSwappedVocabulary(String name, Path into) throws IOException {
        copy(name, into);
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(into.resolve("tokenizer.json").toFile());
        ObjectNode vocab = (ObjectNode) tokenizer.get("model").get("vocab");
        String a = vocab.fieldNames().next();
        int idA = vocab.get(a).asInt();
        String b = null;
        for (var it = vocab.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().asInt() == idA + 1) {
                b = e.getKey();
            }
        }
        vocab.put(a, idA + 1);
        vocab.put(b, idA);
        JSON.writeValue(into.resolve("tokenizer.json").toFile(), tokenizer);
        return into;
    }
}
