package io.specprefill.udf.model;

/**
 * Element types a checkpoint may store; names as the safetensors header spells them. F8_E4M3 is
 * OCP FP8 E4M3 ({@code torch.float8_e4m3fn}, see {@link Fp8}): the weights of FP8 checkpoints,
 * which {@link ModelLoader} pairs with their {@code weight_scale}.
 */
public enum DType {
    F32(4), F16(2), BF16(2), F8_E4M3(1);

    /** Bytes per element. */
    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** The dtype for a safetensors header name, or an error naming the file and tensor. */
    public static DType fromSafetensors(String name, String file, String tensor) {
        switch (name) {
            case "F32": return F32;
            case "F16": return F16;
            case "BF16": return BF16;
            case "F8_E4M3": return F8_E4M3;
            default:
                throw new ModelFormatException(file + ": tensor '" + tensor + "' has dtype " + name
                        + "; supported dtypes are F32, F16, BF16 and F8_E4M3 (FP8 checkpoints)");
        }
    }

    /** BF16 is the top half of an IEEE float32: widening is exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Round-to-nearest-even float32 to BF16, as PyTorch's {@code .to(torch.bfloat16)}. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x40); // NaN stays NaN
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Round-to-nearest-even float32 to IEEE half, as PyTorch's {@code .to(torch.float16)}. */
    public static short floatToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs > 0x7f800000) return (short) (sign | 0x7e00);          // NaN
        if (abs >= 0x477ff000) return (short) (sign | 0x7c00);         // >= 65520 rounds to infinity
        if (abs >= 0x38800000) {                                        // normal half: >= 2^-14
            int rounded = abs + 0xfff + ((abs >>> 13) & 1);             // RNE on the 13 dropped bits
            return (short) (sign | ((rounded - (112 << 23)) >>> 13));   // rebias exponent 127 -> 15
        }
        // subnormal half: m * 2^-24, m = rint(|f| * 2^24) (exact scaling; m = 1024 is the smallest normal)
        return (short) (sign | (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f));
    }

    /** IEEE half to float32 (Java 17 has no Float.float16ToFloat). Exact, subnormals included. */
    public static float f16ToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf, NaN
        if (exp == 0) { // zero or subnormal: mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
