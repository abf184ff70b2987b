package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files, for tests that make checkpoints (test sources: the product only reads them): one file, or a sharded set
 * with {@code model.safetensors.index.json}. Tensors are written in map order; the header is
 * padded with spaces to a multiple of 8 bytes, as the reference writer does.
 */
public final class SafeTensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensorsWriter() {
    }

    /**
     * A tensor to write: the dtype as the header spells it, the shape, and its little-endian bytes.
     * {@link #raw} writes any dtype name and any byte count, so tests can make broken files.
     */
    public record Tensor(String dtype, long[] shape, byte[] bytes) {

        /** {@code values} (row-major, numel of {@code shape}) converted to {@code dtype} (RNE). */
        public static Tensor of(DType dtype, long[] shape, float[] values) {
            if (values.length != HostTensor.numel(shape)) {
                throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
            }
            ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                switch (dtype) {
                    case F32: b.putFloat(v); break;
                    case BF16: b.putShort(DType.floatToBf16(v)); break;
                    case F16: b.putShort(DType.floatToF16(v)); break;
                    default: throw new IllegalStateException(dtype.name());
                }
            }
            return new Tensor(dtype.name(), shape.clone(), b.array());
        }

        public static Tensor raw(String dtype, long[] shape, byte[] bytes) {
            return new Tensor(dtype, shape.clone(), bytes);
        }
    }

    /** Writes {@code tensors} (name -> tensor, in order) to {@code file}. */
    public static void write(Path file, Map<String, Tensor> tensors) {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", t.dtype());
            ArrayNode shape = n.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            n.putArray("data_offsets").add(offset).add(offset + t.bytes().length);
            offset += t.bytes().length;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (Tensor t : tensors.values()) out.write(t.bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write", e);
        }
    }

    /**
     * Writes {@code tensors} into {@code dir} as {@code shards} files named like Hugging Face's
     * ({@code model-00001-of-00003.safetensors}), consecutive tensors per shard, plus the index.
     */
    public static void writeSharded(Path dir, Map<String, Tensor> tensors, int shards) {
        if (shards < 1 || shards > tensors.size()) {
            throw new IllegalArgumentException(shards + " shards for " + tensors.size() + " tensors");
        }
        List<String> names = new ArrayList<>(tensors.keySet());
        ObjectNode index = JSON.createObjectNode();
        long total = 0;
        for (Tensor t : tensors.values()) total += t.bytes().length;
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int s = 0; s < shards; s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
            Map<String, Tensor> part = new LinkedHashMap<>();
            int from = (int) ((long) names.size() * s / shards);
            int to = (int) ((long) names.size() * (s + 1) / shards);
            for (String name : names.subList(from, to)) {
                part.put(name, tensors.get(name));
                weightMap.put(name, file);
            }
            write(dir.resolve(file), part);
        }
        try {
            Files.write(dir.resolve(Checkpoint.INDEX_FILE),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write " + Checkpoint.INDEX_FILE, e);
        }
    }
}
