package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code .safetensors} file, memory-mapped read-only. Layout: an 8-byte little-endian header
 * length n, n bytes of JSON ({@code name -> {dtype, shape, data_offsets: [begin, end]}}, plus an
 * ignored {@code __metadata__}), then the data, offsets relative to byte 8 + n.
 *
 * <p>Every tensor is checked when the file is opened (dtype supported, offsets inside the file and
 * not reversed, byte size = numel * dtype size), so a bad file fails before any compute with an
 * error naming the file and the tensor. Tensors are views into mapped windows, never copies.
 *
 * <p>A {@code MappedByteBuffer} holds at most 2 GiB, so the data is mapped in windows: tensors are
 * walked in offset order and a window grows while it stays under 2 GiB, so each tensor lies inside
 * one window. A single tensor over 2 GiB cannot be a {@link HostTensor} and is rejected by name.
 * The channel is closed once mapped; Java 17 unmaps when the buffers are garbage collected, so
 * there is nothing to close.
 */
public final class SafeTensors {
    /** HF's own limit on the JSON header; a larger value means a corrupt or foreign file. */
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final long MAX_WINDOW = Integer.MAX_VALUE;

    private final Path file;
    private final Map<String, HostTensor> tensors;

    private SafeTensors(Path file, Map<String, HostTensor> tensors) {
        this.file = file;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** A tensor's header entry: data offsets are absolute file positions. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    /** Opens, validates and maps {@code file}. */
    public static SafeTensors open(Path file) {
        return open(file, MAX_WINDOW);
    }

    /** As {@link #open(Path)} with windows of at most {@code maxWindow} bytes (tests use small ones). */
    static SafeTensors open(Path file, long maxWindow) {
        if (!Files.isRegularFile(file)) throw new ModelFormatException(file + ": no such safetensors file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long headerLen = readHeaderLength(ch, file, size);
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            while (header.hasRemaining()) {
                if (ch.read(header, 8 + header.position()) < 0) {
                    throw new ModelFormatException(file + ": file ends inside the header");
                }
            }
            List<Entry> entries = parseHeader(header.array(), file, 8 + headerLen, size);
            return new SafeTensors(file, map(ch, entries, maxWindow, file));
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static long readHeaderLength(FileChannel ch, Path file, long size) throws IOException {
        if (size < 8) throw new ModelFormatException(file + ": " + size + " bytes is too short for a safetensors file");
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) ch.read(b, b.position());
        long n = b.getLong(0);
        if (n <= 0 || n > MAX_HEADER_BYTES || 8 + n > size) {
            throw new ModelFormatException(file + ": header length " + Long.toUnsignedString(n)
                    + " points past the end of the file (" + size + " bytes) or exceeds " + MAX_HEADER_BYTES);
        }
        return n;
    }

    private static List<Entry> parseHeader(byte[] json, Path file, long dataStart, long fileSize) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": header is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(file + ": header is not a JSON object");
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            if (f.getKey().equals("__metadata__")) continue;
            entries.add(parseEntry(f.getKey(), f.getValue(), file, dataStart, fileSize));
        }
        return entries;
    }

    private static Entry parseEntry(String name, JsonNode n, Path file, long dataStart, long fileSize) {
        String where = file + ": tensor '" + name + "'";
        JsonNode dt = n.get("dtype");
        JsonNode sh = n.get("shape");
        JsonNode off = n.get("data_offsets");
        if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null || !off.isArray() || off.size() != 2) {
            throw new ModelFormatException(where + ": header entry needs dtype, shape and data_offsets [begin, end], got " + n);
        }
        DType dtype = DType.fromSafetensors(dt.asText(), file.toString(), name);
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!sh.get(i).canConvertToLong() || !sh.get(i).isIntegralNumber() || sh.get(i).asLong() < 0) {
                throw new ModelFormatException(where + ": shape " + sh + " is not a list of non-negative integers");
            }
            shape[i] = sh.get(i).asLong();
        }
        for (JsonNode o : off) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0) {
                throw new ModelFormatException(where + ": data_offsets " + off + " are not non-negative integers");
            }
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        long dataLen = fileSize - dataStart;
        if (begin > end) throw new ModelFormatException(where + ": data_offsets " + off + " are reversed");
        if (end > dataLen) {
            throw new ModelFormatException(where + ": data_offsets " + off + " point past the end of the file (data section is "
                    + dataLen + " bytes)");
        }
        long expected = HostTensor.numel(shape) * dtype.bytes;
        if (end - begin != expected) {
            throw new ModelFormatException(where + ": " + (end - begin) + " bytes for shape " + sh + " of " + dtype
                    + " (expected " + expected + ")");
        }
        return new Entry(name, dtype, shape, dataStart + begin, dataStart + end);
    }

    /** Maps the entries in windows of at most 2 GiB, each tensor inside one window. */
    private static Map<String, HostTensor> map(FileChannel ch, List<Entry> entries, long maxWindow, Path file)
            throws IOException {
        for (Entry e : entries) {
            if (e.end() - e.begin() > maxWindow) {
                throw new ModelFormatException(file + ": tensor '" + e.name() + "' has " + (e.end() - e.begin())
                        + " bytes; one tensor can be at most " + maxWindow + " bytes (2 GiB)");
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        Map<String, HostTensor> byOffset = new LinkedHashMap<>();
        int i = 0;
        while (i < sorted.size()) {
            long winStart = sorted.get(i).begin();
            int j = i;
            long winEnd = winStart;
            while (j < sorted.size() && sorted.get(j).end() - winStart <= maxWindow) {
                winEnd = Math.max(winEnd, sorted.get(j).end());
                j++;
            }
            MappedByteBuffer window = ch.map(FileChannel.MapMode.READ_ONLY, winStart, winEnd - winStart);
            for (int k = i; k < j; k++) {
                Entry e = sorted.get(k);
                ByteBuffer view = window.slice((int) (e.begin() - winStart), (int) (e.end() - e.begin()));
                byOffset.put(e.name(), new HostTensor(e.name(), e.dtype(), e.shape(), view));
            }
            i = j;
        }
        Map<String, HostTensor> inHeaderOrder = new LinkedHashMap<>();
        for (Entry e : entries) inHeaderOrder.put(e.name(), byOffset.get(e.name()));
        return inHeaderOrder;
    }

    public Path file() {
        return file;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor, or an error naming the file and the tensor. */
    public HostTensor get(String name) {
        HostTensor t = tensors.get(name);
        if (t == null) throw new ModelFormatException(file + ": tensor '" + name + "' is missing");
        return t;
    }
}
