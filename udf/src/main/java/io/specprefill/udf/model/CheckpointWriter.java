package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Writes a Hugging Face checkpoint by streaming, the way {@link Checkpoint} reads one: tensors are
 * declared first (name, dtype, shape), split into shards as transformers' {@code save_pretrained}
 * splits them (in order, a new shard when the next tensor would push the current one past the
 * limit; 5 GB by default), and each tensor's bytes come from a {@link Source} one chunk at a time.
 * No tensor is ever held whole: memory is one chunk buffer per thread (direct, 8 MiB).
 *
 * <p>Files: one shard is {@code model.safetensors}; more are {@code model-00001-of-0000n.safetensors}
 * plus {@code model.safetensors.index.json} ({@code metadata.total_size}, {@code weight_map} sorted
 * by name). Each file is an 8-byte little-endian header length, the JSON header padded with spaces
 * to a multiple of 8 (as the reference writer pads it), then the data in header order. Chunks are
 * filled by a pool of threads and written with positional writes, so a chunk's bytes depend only
 * on (tensor, offset), never on the thread count.
 */
public final class CheckpointWriter {
    /** transformers' default {@code max_shard_size="5GB"} (decimal, as it parses it). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;
    /** Bytes per chunk: a multiple of every dtype size, small enough for many threads. */
    static final int CHUNK_BYTES = 8 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointWriter() {
    }

    /** A tensor to write. */
    public record Spec(String name, DType dtype, long[] shape) {
        public Spec {
            shape = shape.clone();
        }

        public long numel() {
            return HostTensor.numel(shape);
        }

        public long bytes() {
            return numel() * dtype.bytes;
        }
    }

    /** Produces a tensor's bytes, a chunk at a time; called from several threads at once. */
    @FunctionalInterface
    public interface Source {
        /**
         * Puts elements [from, from + count) of {@code t}, little-endian in {@code t.dtype()}, into
         * {@code out} from position 0 (out is cleared and large enough; leave its position at the end).
         */
        void fill(Spec t, long from, int count, ByteBuffer out);
    }

    /** What was written: the files (index last when sharded) and the tensor bytes in all. */
    public record Written(List<Path> files, long tensorBytes) {
    }

    /** One shard: its file name and its tensors, in order. */
    public record Shard(String file, List<Spec> tensors) {
        long bytes() {
            long n = 0;
            for (Spec t : tensors) n += t.bytes();
            return n;
        }
    }

    /** save_pretrained's split: in order, a new shard when the next tensor would pass {@code maxShardBytes}. */
    public static List<Shard> plan(List<Spec> tensors, long maxShardBytes) {
        if (tensors.isEmpty()) throw new IllegalArgumentException("no tensors to write");
        List<List<Spec>> groups = new ArrayList<>();
        List<Spec> current = new ArrayList<>();
        long size = 0;
        for (Spec t : tensors) {
            if (!current.isEmpty() && size + t.bytes() > maxShardBytes) {
                groups.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += t.bytes();
        }
        groups.add(current);
        List<Shard> shards = new ArrayList<>();
        for (int s = 0; s < groups.size(); s++) {
            String file = groups.size() == 1 ? Checkpoint.SINGLE_FILE
                    : String.format("model-%05d-of-%05d.safetensors", s + 1, groups.size());
            shards.add(new Shard(file, List.copyOf(groups.get(s))));
        }
        return shards;
    }

    /**
     * Writes {@code tensors} into {@code dir} (created if needed) as {@link #plan} splits them, with
     * {@code threads} threads filling chunks; {@code progress} gets the bytes written so far about
     * every 2 seconds (from this thread).
     */
    public static Written write(Path dir, List<Spec> tensors, Source source, long maxShardBytes, int threads,
                                LongConsumer progress) {
        return write(dir, tensors, source, maxShardBytes, threads, progress, CHUNK_BYTES);
    }

    /** As above with chunks of {@code chunkBytes} (a multiple of 4; tests use tiny ones to cut tensors often). */
    static Written write(Path dir, List<Spec> tensors, Source source, long maxShardBytes, int threads,
                         LongConsumer progress, int chunkBytes) {
        if (chunkBytes <= 0 || chunkBytes % 4 != 0) throw new IllegalArgumentException("chunk of " + chunkBytes + " bytes");
        List<Shard> shards = plan(tensors, maxShardBytes);
        List<Path> files = new ArrayList<>();
        AtomicLong written = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "checkpoint-writer");
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(
                () -> ByteBuffer.allocateDirect(chunkBytes).order(ByteOrder.LITTLE_ENDIAN));
        try {
            Files.createDirectories(dir);
            for (Shard shard : shards) {
                Path file = dir.resolve(shard.file());
                writeShard(file, shard, source, pool, buffers, chunkBytes, written, progress);
                files.add(file);
            }
            if (shards.size() > 1) files.add(writeIndex(dir, shards));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the checkpoint: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
        return new Written(files, written.get());
    }

    private static void writeShard(Path file, Shard shard, Source source, ExecutorService pool,
                                   ThreadLocal<ByteBuffer> buffers, int chunkBytes, AtomicLong written,
                                   LongConsumer progress)
            throws IOException {
        byte[] header = header(shard.tensors());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(header.length).put(header).flip();
            writeFully(ch, head, 0);
            ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(pool);
            int tasks = 0;
            long position = 8 + header.length;
            for (Spec t : shard.tensors()) {
                long perChunk = chunkBytes / t.dtype().bytes;
                for (long from = 0; from < t.numel(); from += perChunk) {
                    long at = position + from * t.dtype().bytes;
                    long first = from;
                    int count = (int) Math.min(perChunk, t.numel() - from);
                    done.submit(() -> {
                        ByteBuffer buf = buffers.get();
                        buf.clear();
                        source.fill(t, first, count, buf);
                        if (buf.position() != (long) count * t.dtype().bytes) {
                            throw new IllegalStateException(t.name() + ": the source put " + buf.position()
                                    + " bytes for " + count + " elements of " + t.dtype());
                        }
                        buf.flip();
                        writeFully(ch, buf, at);
                        written.addAndGet(count * (long) t.dtype().bytes);
                        return null;
                    });
                    tasks++;
                }
                position += t.bytes();
            }
            awaitAll(done, tasks, file, written, progress);
        }
    }

    /** Waits for every chunk of a shard; the first failure is thrown with the file's name. */
    private static void awaitAll(ExecutorCompletionService<Void> done, int tasks, Path file, AtomicLong written,
                                 LongConsumer progress) throws IOException {
        long lastReport = System.nanoTime();
        for (int finished = 0; finished < tasks; ) {
            Future<Void> f;
            try {
                f = done.poll(200, TimeUnit.MILLISECONDS);
                if (f != null) {
                    f.get();
                    finished++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(file + ": interrupted while writing", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException io) throw new IOException(file + ": " + io.getMessage(), io);
                if (cause instanceof RuntimeException re) throw re;
                throw new IOException(file + ": " + cause, cause);
            }
            if (System.nanoTime() - lastReport > 2_000_000_000L) {
                lastReport = System.nanoTime();
                progress.accept(written.get());
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) at += ch.write(buf, at);
    }

    /** The JSON header of a shard, padded with spaces to a multiple of 8 bytes. */
    static byte[] header(List<Spec> tensors) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Spec t : tensors) {
            if (header.has(t.name())) throw new IllegalArgumentException("tensor '" + t.name() + "' is declared twice");
            ObjectNode n = header.putObject(t.name());
            n.put("dtype", t.dtype().name());
            ArrayNode shape = n.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            n.putArray("data_offsets").add(offset).add(offset + t.bytes());
            offset += t.bytes();
        }
        byte[] json = JSON.writeValueAsBytes(header);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    private static Path writeIndex(Path dir, List<Shard> shards) throws IOException {
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (Shard s : shards) {
            total += s.bytes();
            for (Spec t : s.tensors()) weightMap.put(t.name(), s.file());
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        Path file = dir.resolve(Checkpoint.INDEX_FILE);
        Files.write(file, (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n")
                .getBytes(StandardCharsets.UTF_8));
        return file;
    }
}
