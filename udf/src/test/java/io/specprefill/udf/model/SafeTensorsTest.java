package io.specprefill.udf.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    private static Map<String, SafeTensorsWriter.Tensor> twoTensors() {
        Map<String, SafeTensorsWriter.Tensor> m = new LinkedHashMap<>();
        m.put("a", SafeTensorsWriter.Tensor.of(DType.F32, new long[]{2, 3}, new float[]{1, 2, 3, 4, 5, 6}));
        m.put("b", SafeTensorsWriter.Tensor.of(DType.BF16, new long[]{4}, new float[]{0.5f, -1.25f, 3f, 1e-3f}));
        m.put("c", SafeTensorsWriter.Tensor.of(DType.F16, new long[]{3}, new float[]{65504f, -0.1f, 6e-8f}));
        return m;
    }

    @Test
    void writerRoundTripsEveryDtype() {
        Path f = tmp.resolve("x.safetensors");
        SafeTensorsWriter.write(f, twoTensors());
        SafeTensors st = SafeTensors.open(f);
        assertEquals(java.util.List.of("a", "b", "c"), java.util.List.copyOf(st.names()));
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, st.get("a").toFloatArray());
        assertArrayEquals(new long[]{2, 3}, st.get("a").shape());
        assertEquals(DType.BF16, st.get("b").dtype());
        float[] b = st.get("b").toFloatArray();
        assertArrayEquals(new float[]{0.5f, -1.25f, 3f}, java.util.Arrays.copyOf(b, 3));
        assertEquals(DType.bf16ToFloat(DType.floatToBf16(1e-3f)), b[3]);
        assertEquals(1e-3f, b[3], 1e-5f);
        float[] c = st.get("c").toFloatArray();
        assertEquals(65504f, c[0]);
        assertEquals(-0.1f, c[1], 1e-4f);
        assertEquals(0x1p-24f, c[2]); // smallest half subnormal: 6e-8 rounds to 2^-24
        assertTrue(st.get("a").data().isReadOnly());
    }

    @Test
    void f16ConversionRoundTripsEveryHalfValueAndRoundsToNearestEven() {
        for (int h = 0; h < 0x10000; h++) {
            float f = DType.f16ToFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(DType.f16ToFloat(DType.floatToF16(f))));
                continue;
            }
            assertEquals((short) h, DType.floatToF16(f), "half 0x" + Integer.toHexString(h));
        }
        assertEquals((short) 0x3c00, DType.floatToF16(1f + 0x1p-11f));      // tie -> even (1.0)
        assertEquals((short) 0x3c02, DType.floatToF16(1f + 3 * 0x1p-11f));  // tie -> even (odd below)
        assertEquals((short) 0x7c00, DType.floatToF16(65520f));              // rounds to infinity
        assertEquals((short) 0x7bff, DType.floatToF16(65519f));
        assertEquals((short) 0x0000, DType.floatToF16(0x1p-25f));            // tie -> even (0)
    }

    @Test
    void smallWindowsGiveTheSameTensors() {
        Path f = tmp.resolve("x.safetensors");
        SafeTensorsWriter.write(f, twoTensors());
        SafeTensors whole = SafeTensors.open(f);
        SafeTensors windowed = SafeTensors.open(f, 24); // "a" (24 bytes) fills a window; b and c share one
        for (String n : whole.names()) {
            assertArrayEquals(whole.get(n).toFloatArray(), windowed.get(n).toFloatArray(), n);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafeTensors.open(f, 16));
        assertMentions(e, f.toString(), "'a'", "24 bytes");
    }

    @Test
    void metadataIsIgnoredAndMissingTensorIsNamed() {
        Path f = tmp.resolve("x.safetensors");
        SafeTensorsWriter.write(f, twoTensors());
        SafeTensors st = SafeTensors.open(f);
        assertFalse(st.contains("__metadata__"));
        assertMentions(assertThrows(ModelFormatException.class, () -> st.get("zzz")), f.toString(), "'zzz'");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        SafeTensorsWriter.write(f, twoTensors());
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length);
        Files.write(f, bytes);
        assertMentions(assertThrows(ModelFormatException.class, () -> SafeTensors.open(f)), f.toString(), "header length");
        Files.write(f, new byte[]{1, 2, 3});
        assertMentions(assertThrows(ModelFormatException.class, () -> SafeTensors.open(f)), f.toString(), "too short");
    }

    @Test
    void truncatedDataPointsPastEnd() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        SafeTensorsWriter.write(f, twoTensors());
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 1);
        }
        assertMentions(assertThrows(ModelFormatException.class, () -> SafeTensors.open(f)),
                f.toString(), "'c'", "past the end");
    }

    @Test
    void reversedOrMismatchedOffsets() throws IOException {
        Path f = writeHeader("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8);
        assertMentions(assertThrows(ModelFormatException.class, () -> SafeTensors.open(f)), f.toString(), "'t'", "reversed");
        Path g = writeHeader("{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        assertMentions(assertThrows(ModelFormatException.class, () -> SafeTensors.open(g)),
                g.toString(), "'t'", "8 bytes", "expected 12");
        Path h = writeHeader("{\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8);
        assertMentions(assertThrows(ModelFormatException.class, () -> SafeTensors.open(h)), h.toString(), "'t'", "data_offsets");
        Path i = writeHeader("[1, 2]", 8);
        assertMentions(assertThrows(ModelFormatException.class, () -> SafeTensors.open(i)), i.toString(), "JSON object");
        Path j = writeHeader("{\"t\": nope", 8);
        assertMentions(assertThrows(ModelFormatException.class, () -> SafeTensors.open(j)), j.toString(), "not valid JSON");
    }

    @Test
    void unsupportedDtypesAreNamed() {
        for (String dtype : new String[]{"I64", "F8_E4M3", "BOOL", "F64"}) {
            Path f = tmp.resolve(dtype + ".safetensors");
            Map<String, SafeTensorsWriter.Tensor> m = twoTensors();
            m.put("ids", SafeTensorsWriter.Tensor.raw(dtype, new long[]{2}, new byte[16]));
            SafeTensorsWriter.write(f, m);
            assertMentions(assertThrows(ModelFormatException.class, () -> SafeTensors.open(f)),
                    f.toString(), "'ids'", dtype);
        }
    }

    @Test
    void goldenDraftIsBf16AndMatchesKnownBytes() {
        SafeTensors st = SafeTensors.open(TestCheckpoints.golden("tiny-draft").resolve("model.safetensors"));
        assertEquals(1 + 2 * 9 + 1, st.names().size()); // embedding, 2 layers of 9, norm; tied: no lm_head
        HostTensor emb = st.get("model.embed_tokens.weight");
        assertEquals(DType.BF16, emb.dtype());
        assertArrayEquals(new long[]{3005, 64}, emb.shape());
        assertEquals(DType.bf16ToFloat((short) 0xbe12), emb.get(5));           // bytes 12 be
        assertEquals(DType.bf16ToFloat((short) 0x3a83), emb.get(3005 * 64 - 1)); // bytes 83 3a
        assertEquals(DType.bf16ToFloat((short) 0x3f77), st.get("model.norm.weight").get(5));
        assertEquals(-0.142578125f, emb.get(5)); // 0xbe12 exactly
    }

    @Test
    void goldenTargetIsF32AndMatchesKnownBytes() {
        SafeTensors st = SafeTensors.open(TestCheckpoints.golden("tiny-target").resolve("model.safetensors"));
        assertEquals(1 + 3 * 9 + 2, st.names().size()); // embedding, 3 layers of 9, norm, lm_head
        HostTensor head = st.get("lm_head.weight");
        assertEquals(DType.F32, head.dtype());
        assertEquals(Float.intBitsToFloat(0x3c229404), head.get(5));            // bytes 04 94 22 3c
        assertEquals(Float.intBitsToFloat(0x3d08758b), head.get(3005 * 96 - 1)); // bytes 8b 75 08 3d
        assertEquals(Float.intBitsToFloat(0xbc36d9e1), st.get("model.layers.1.self_attn.k_proj.weight").get(5));
    }

    private Path writeHeader(String json, int dataBytes) throws IOException {
        Path f = Files.createTempFile(tmp, "h", ".safetensors");
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(f, b.array());
        return f;
    }

    static void assertMentions(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should mention '" + p + "'");
        }
    }
}
