package io.specprefill.udf.model;

/**
 * OCP FP8 E4M3 ({@code torch.float8_e4m3fn}, CUDA's {@code __nv_fp8_e4m3}): 1 sign bit, 4 exponent
 * bits (bias 7), 3 mantissa bits; no infinities, {@code 0x7F} and {@code 0xFF} are NaN, exponent 0
 * holds the subnormals m * 2^-9. Largest finite value 448 (0x7E), smallest normal 2^-6, smallest
 * subnormal 2^-9.
 *
 * <p>The quantisation every FP8 path of this project uses, weights (per output row) and activations
 * (per token row) alike, and that the GPU kernels reproduce bit for bit:
 * <ol>
 *   <li>scale s = absmax / 448 in float32, where absmax is the largest |x| of the row; a row of
 *       zeros (absmax 0) gets s = 1;</li>
 *   <li>code q_i = {@link #encode}(x_i / s), the float32 quotient (IEEE division, as CUDA's
 *       default {@code /}), rounded to the nearest E4M3 value, ties to even, and saturated to
 *       +-448 (compressed-tensors clamps to the finite range before its cast, and so does vLLM);</li>
 *   <li>the row then stands for s * decode(q_i).</li>
 * </ol>
 */
public final class Fp8 {
    /** Largest finite E4M3 value. */
    public static final float MAX = 448f;
    /** The canonical NaN code. */
    public static final byte NAN = 0x7F;

    private static final float[] DECODE = new float[256];

    static {
        for (int c = 0; c < 256; c++) DECODE[c] = decodeSlow(c);
    }

    private Fp8() {
    }

    /** The exact float32 value of an E4M3 code (NaN for 0x7F and 0xFF). */
    public static float decode(byte code) {
        return DECODE[code & 0xFF];
    }

    private static float decodeSlow(int c) {
        int sign = c & 0x80;
        int exp = (c >>> 3) & 0xF;
        int mant = c & 7;
        float v;
        if (exp == 15 && mant == 7) {
            v = Float.NaN;
        } else if (exp == 0) {
            v = mant * 0x1p-9f;                                  // subnormal: m/8 * 2^-6
        } else {
            v = (1 + mant / 8f) * (float) Math.scalb(1.0, exp - 7);
        }
        return sign != 0 ? -v : v;
    }

    /**
     * The E4M3 code nearest to f, ties to even; |f| >= 448 (after rounding: > 448 before) saturates
     * to +-448; NaN gives 0x7F. -0 keeps its sign (0x80), as PyTorch's cast does.
     */
    public static byte encode(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 24) & 0x80;
        int abs = bits & 0x7fffffff;
        if (abs > 0x7f800000) return NAN;
        if (abs >= 0x43e00000) return (byte) (sign | 0x7E);          // >= 448 (and infinity): saturate
        if (abs < 0x3c800000) {                                        // < 2^-6: subnormal, m * 2^-9
            int m = (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p9f); // exact scaling; m = 8 is 2^-6
            return (byte) (sign | m);
        }
        int rounded = abs + 0x7ffff + ((abs >>> 20) & 1);              // RNE on the 20 dropped bits
        int code = (rounded >>> 20) - (120 << 3);                      // rebias exponent 127 -> 7
        return (byte) (sign | Math.min(code, 0x7E));                   // 447.99 rounds to 448, never up to NaN
    }

    /** The scale of a row whose largest magnitude is absmax: absmax / 448, or 1 for a zero row. */
    public static float scale(float absmax) {
        return absmax > 0 ? absmax / MAX : 1f;
    }

    /**
     * Quantises x[off, off + n) as one row: codes into q[qOff..] (E4M3 bytes), returns its scale.
     * NaN and infinite inputs are not expected (activations and weights are finite); an infinite
     * absmax gives scale infinity and NaN codes.
     */
    public static float quantizeRow(float[] x, int off, int n, byte[] q, int qOff) {
        float absmax = 0;
        for (int i = 0; i < n; i++) absmax = Math.max(absmax, Math.abs(x[off + i]));
        float s = scale(absmax);
        for (int i = 0; i < n; i++) q[qOff + i] = encode(x[off + i] / s);
        return s;
    }

    /** As {@link #quantizeRow(float[], int, int, byte[], int)}, writing the decoded codes (exact floats) instead. */
    public static float quantizeRowDecoded(float[] x, int off, int n, float[] q, int qOff) {
        float absmax = 0;
        for (int i = 0; i < n; i++) absmax = Math.max(absmax, Math.abs(x[off + i]));
        float s = scale(absmax);
        for (int i = 0; i < n; i++) q[qOff + i] = DECODE[encode(x[off + i] / s) & 0xFF];
        return s;
    }
}
