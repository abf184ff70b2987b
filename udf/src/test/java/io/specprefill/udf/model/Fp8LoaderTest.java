package io.specprefill.udf.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading compressed-tensors FP8 checkpoints: the weights, their scales, and the refusals. */
class Fp8LoaderTest {
    @TempDir
    Path tmp;

    @Test
    void loadsPerChannelAndPerTensorScalesBesideTheirWeights() throws Exception {
        Path src = TestCheckpoints.golden("tiny-target");
        for (boolean perTensor : new boolean[]{false, true}) {
            Path dir = Fp8Checkpoints.write(src, tmp.resolve("fp8-" + perTensor), perTensor, DType.BF16);
            Model m = Model.load(dir);
            LlamaWeights w = m.weights();
            assertEquals(DType.F8_E4M3, w.wq[0].dtype());
            assertEquals(DType.F32, w.tokenEmbedding.dtype(), "the embedding is not quantized");
            assertEquals(7 * m.config().nLayers(), w.weightScales.size());
            HostTensor scale = w.scaleOf(w.w2[1]);
            assertArrayEquals(perTensor ? new long[]{1} : new long[]{m.config().dim(), 1}, scale.shape());
            Fp8Matrix fp8 = Fp8Matrix.fromCheckpoint(w.w2[1], scale);
            HostTensor orig = Model.load(src).weights().w2[1];
            float absmax = 0;
            for (float v : orig.toFloatArray()) absmax = Math.max(absmax, Math.abs(v));
            for (int r = 0; r < fp8.rows(); r++) {
                for (int c = 0; c < fp8.cols(); c++) {
                    float x = orig.get((long) r * fp8.cols() + c);
                    // half a step of 3 mantissa bits of the row's scale, plus BF16's rounding of the scale
                    double bound = Math.abs(x) / 16 + fp8.scales()[r] * 0x1p-9 * 448 / 64 + 0.01 * Math.abs(x);
                    assertTrue(Math.abs(fp8.value(r, c) - x) <= bound + 1e-12,
                            "w2[1][" + r + ", " + c + "]: " + fp8.value(r, c) + " for " + x);
                }
            }
        }
    }

    private void refused(Map<String, SafeTensorsWriter.Tensor> edit, String remove, String needle) throws Exception {
        Path dir = Fp8Checkpoints.write(TestCheckpoints.golden("tiny-target"), tmp.resolve("bad" + needle.hashCode()), false, DType.F32);
        Map<String, SafeTensorsWriter.Tensor> t = TestCheckpoints.readAll(dir.resolve(Checkpoint.SINGLE_FILE));
        if (remove != null) t.remove(remove);
        t.putAll(edit);
        SafeTensorsWriter.write(dir.resolve(Checkpoint.SINGLE_FILE), t);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir));
        assertTrue(e.getMessage().contains(needle), "'" + needle + "' in: " + e.getMessage());
    }

    @Test
    void refusesMissingScalesStaticInputScalesAndFp8OutsideTheProjections() throws Exception {
        String q = ModelLoader.layerTensor(0, "self_attn.q_proj");
        refused(Map.of(), q + ".weight_scale", "tensor '" + q + ".weight_scale' is missing");
        refused(Map.of(q + ".input_scale", SafeTensorsWriter.Tensor.of(DType.F32, new long[]{1}, new float[]{0.1f})),
                null, "input_scale' (a static activation scale) is not supported");
        refused(Map.of(q + ".weight_scale", SafeTensorsWriter.Tensor.of(DType.F32, new long[]{3}, new float[]{1, 1, 1})),
                null, "must be [96, 1] or [96] (per channel) or [1] or [] (per tensor)");
        refused(Map.of(ModelLoader.FINAL_NORM, SafeTensorsWriter.Tensor.raw("F8_E4M3", new long[]{96}, new byte[96])),
                null, "only the layers' projections");
    }

    @Test
    void fp8TensorsWithoutAQuantizationConfigAreRefused() throws Exception {
        Path dir = Fp8Checkpoints.write(TestCheckpoints.golden("tiny-target"), tmp.resolve("noconfig"), false, DType.F32);
        String config = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"quantization_config\"", "\"quantization_config_off\""));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir));
        assertTrue(e.getMessage().contains("is F8_E4M3 but") && e.getMessage().contains("has no quantization_config"),
                e.getMessage());
    }
}
