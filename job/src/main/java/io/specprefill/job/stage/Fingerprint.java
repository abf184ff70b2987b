package io.specprefill.job.stage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a checkpoint was made from, file by file, so that {@code --resume} never reuses rows made
 * from other data (docs/job.md, "Checkpoints and --resume"). Each file is one entry, its key naming
 * the file ("input file prompts.jsonl", "target file model.safetensors") and its value saying what
 * it held:
 * <ul>
 *   <li>input files, and a model's config.json, generation_config.json, tokenizer.json,
 *       tokenizer_config.json, chat_template.jinja and model.safetensors.index.json: the size and a
 *       SHA-256 of the whole content;</li>
 *   <li>a model's {@code *.safetensors} (gigabytes): the size, a SHA-256 of its header (tensor names,
 *       dtypes, shapes, offsets) and one of {@value #SAMPLE_BLOCKS} blocks of {@value #SAMPLE_BYTES}
 *       bytes spread evenly over its tensor data, so weights replaced in place by others of the same
 *       shapes (a fine-tune) differ too, at the cost of 1 MiB read per file.</li>
 * </ul>
 * Content decides: a file copied or touched with the same content still matches. Modification times
 * are kept beside the entries ({@link Entries#modified}) only to be shown when an entry differs.
 */
public final class Fingerprint {
    private Fingerprint() {
    }

    static final int SAMPLE_BLOCKS = 16;
    static final int SAMPLE_BYTES = 64 * 1024;
    /** Hex digits of a hash kept in an entry: 64 bits tell changed files apart. */
    private static final int HASH_CHARS = 16;
    /** A model directory's files, besides its weights, that decide what the model does. */
    static final List<String> MODEL_FILES = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "chat_template.jinja", "model.safetensors.index.json");

    /**
     * File entries and the files' modification times, by the same keys.
     *
     * @param entries  key ("input file x.jsonl") to what the file held ("1234 bytes, sha256 ...")
     * @param modified key to the file's last-modified time (ISO-8601), for messages only
     */
    public record Entries(Map<String, String> entries, Map<String, String> modified) {
        public Entries {
            entries = Map.copyOf(entries);
            modified = Map.copyOf(modified);
        }

        /** This and {@code other}, in one. */
        public Entries and(Entries other) {
            Map<String, String> e = new LinkedHashMap<>(entries);
            e.putAll(other.entries);
            Map<String, String> m = new LinkedHashMap<>(modified);
            m.putAll(other.modified);
            return new Entries(e, m);
        }
    }

    /**
     * The input's data files: the file itself, or every file under the folder (partition folders
     * too) except hidden ones and Spark's bookkeeping ({@code _SUCCESS}, {@code .crc}), as Spark reads it.
     */
    public static Entries input(Path input) {
        Map<String, String> entries = new LinkedHashMap<>();
        Map<String, String> modified = new LinkedHashMap<>();
        for (Path file : dataFiles(input)) {
            String name = Files.isDirectory(input) ? input.relativize(file).toString() : file.getFileName().toString();
            String key = "input file " + name;
            entries.put(key, content(file));
            modified.put(key, modified(file));
        }
        return new Entries(entries, modified);
    }

    private static List<Path> dataFiles(Path input) {
        if (!Files.isDirectory(input)) return List.of(input);
        try (Stream<Path> files = Files.walk(input)) {
            return files.filter(Files::isRegularFile).filter(f -> visible(input.relativize(f))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("--input " + input + ": cannot list the folder", e);
        }
    }

    private static boolean visible(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.startsWith(".") || name.startsWith("_")) return false;
        }
        return true;
    }

    /**
     * A model directory's files that exist: {@link #MODEL_FILES}, and with {@code weights} its
     * {@code *.safetensors} too. {@code role} ("draft", "target") starts each key.
     */
    public static Entries model(String role, Path dir, boolean weights) {
        Map<String, String> entries = new LinkedHashMap<>();
        Map<String, String> modified = new LinkedHashMap<>();
        for (String name : MODEL_FILES) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                entries.put(role + " file " + name, content(file));
                modified.put(role + " file " + name, modified(file));
            }
        }
        if (weights) {
            for (Path file : safetensors(dir)) {
                String key = role + " file " + file.getFileName();
                entries.put(key, weights(file));
                modified.put(key, modified(file));
            }
        }
        return new Entries(entries, modified);
    }

    /** "SIZE bytes, sha256 HASH" of the whole file. */
    static String content(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest sha = sha256();
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            while (ch.read(buf) >= 0) {
                buf.flip();
                sha.update(buf);
                buf.clear();
            }
            return ch.size() + " bytes, sha256 " + hex(sha);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " to fingerprint it", e);
        }
    }

    /** "SIZE bytes, header sha256 HASH, data sample sha256 HASH" of a safetensors file. */
    static String weights(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long headerBytes = size >= 8 ? len.getLong(0) : -1;
            if (headerBytes < 0 || 8 + headerBytes > size) {
                return content(file) + " (no safetensors header)";
            }
            MessageDigest header = sha256();
            header.update(read(ch, 8, (int) Math.min(headerBytes, Integer.MAX_VALUE)));
            MessageDigest sample = sha256();
            long start = 8 + headerBytes;
            long data = size - start;
            long step = Math.max(SAMPLE_BYTES, data / SAMPLE_BLOCKS);
            for (long at = start; at < size && at < start + SAMPLE_BLOCKS * step; at += step) {
                sample.update(read(ch, at, (int) Math.min(SAMPLE_BYTES, size - at)));
            }
            return size + " bytes, header sha256 " + hex(header) + ", data sample sha256 " + hex(sample);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " to fingerprint it", e);
        }
    }

    private static List<Path> safetensors(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(bytes);
        readFully(ch, buf, at);
        buf.flip();
        return buf;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        long pos = at;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) return;
            pos += n;
        }
    }

    private static String modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant().toString();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    private static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest()).substring(0, HASH_CHARS);
    }
}
