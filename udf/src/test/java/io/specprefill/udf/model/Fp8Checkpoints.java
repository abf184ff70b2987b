package io.specprefill.udf.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test checkpoints in the compressed-tensors FP8 layout, made in Java from an unquantized model
 * directory: every projection becomes {@code <linear>.weight} F8_E4M3 [out, in] plus
 * {@code <linear>.weight_scale} ([out, 1] per channel or [1] per tensor, in the dtype asked for);
 * config.json gains the FP8-dynamic quantization_config. scripts/make_fp8_fixtures.py makes the
 * same layout with PyTorch (fp8-golden/).
 */
public final class Fp8Checkpoints {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] LINEARS = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};

    private Fp8Checkpoints() {
    }

    /** Writes the FP8 version of {@code src} into {@code dst}; perTensor picks the weight strategy. */
    public static Path write(Path src, Path dst, boolean perTensor, DType scaleDtype) throws IOException {
        LlamaConfig cfg = LlamaConfig.load(src);
        Checkpoint ckpt = Checkpoint.open(src);
        Map<String, SafeTensorsWriter.Tensor> out = new LinkedHashMap<>();
        for (String name : ckpt.names()) {
            HostTensor t = ckpt.get(name);
            if (!isLinear(name, cfg)) {
                out.put(name, TestCheckpoints.raw(t));
                continue;
            }
            Fp8Matrix m = perTensor ? quantizePerTensor(t) : Fp8Matrix.quantize(t);
            byte[] codes = new byte[m.rows() * m.cols()];
            m.codes().duplicate().get(codes);
            out.put(name, SafeTensorsWriter.Tensor.raw("F8_E4M3", t.shape(), codes));
            String scale = name.substring(0, name.length() - ".weight".length()) + ".weight_scale";
            out.put(scale, perTensor ? SafeTensorsWriter.Tensor.of(scaleDtype, new long[]{1}, new float[]{m.scales()[0]})
                    : SafeTensorsWriter.Tensor.of(scaleDtype, new long[]{m.rows(), 1}, m.scales()));
        }
        ObjectNode config = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        ObjectNode q = (ObjectNode) JSON.readTree(QuantizationConfigTest.FP8_DYNAMIC);
        if (perTensor) {
            ((ObjectNode) q.get("config_groups").get("group_0").get("weights")).put("strategy", "tensor");
        }
        config.set(QuantizationConfig.KEY, q);
        TestCheckpoints.writeModel(dst, config, out);
        for (String f : new String[]{"tokenizer.json", "generation_config.json"}) {
            if (Files.exists(src.resolve(f))) Files.copy(src.resolve(f), dst.resolve(f));
        }
        return dst;
    }

    private static boolean isLinear(String name, LlamaConfig cfg) {
        for (int l = 0; l < cfg.nLayers(); l++) {
            for (String s : LINEARS) if (name.equals(ModelLoader.layerTensor(l, s + ".weight"))) return true;
        }
        return false;
    }

    /** One scale for the whole tensor: absmax / 448, codes E4M3(x / s). */
    static Fp8Matrix quantizePerTensor(HostTensor t) {
        float[] v = t.toFloatArray();
        float absmax = 0;
        for (float x : v) absmax = Math.max(absmax, Math.abs(x));
        float s = Fp8.scale(absmax);
        byte[] codes = new byte[v.length];
        for (int i = 0; i < v.length; i++) codes[i] = Fp8.encode(v[i] / s);
        int rows = (int) t.dim(0);
        float[] scales = new float[rows];
        java.util.Arrays.fill(scales, s);
        return new Fp8Matrix(t.name(), rows, (int) t.dim(1), ByteBuffer.wrap(codes), scales);
    }
}
