package io.specprefill.udf.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A weight matrix in FP8: E4M3 codes [rows, cols] row-major (one byte each, see {@link Fp8}) and one
 * float32 scale per row (output channel); row r stands for {@code scales[r] * decode(codes[r, :])}.
 * A per-tensor scale is the same value on every row. Comes from an FP8 checkpoint
 * ({@link #fromCheckpoint}: the codes stay a view into the mapped file) or from quantising a
 * BF16/F16/F32 tensor at load ({@link #quantize}); backends upload it with
 * {@code Backend.weightFp8}.
 *
 * @param name   the checkpoint tensor's name, for messages
 * @param rows   output channels
 * @param cols   input features
 * @param codes  rows * cols E4M3 bytes
 * @param scales [rows] float32, finite and &gt; 0
 */
public record Fp8Matrix(String name, int rows, int cols, ByteBuffer codes, float[] scales) {

    public Fp8Matrix {
        codes = codes.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (codes.remaining() != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": " + codes.remaining() + " FP8 codes for [" + rows + ", " + cols + "]");
        }
        if (scales.length != rows) {
            throw new IllegalArgumentException(name + ": " + scales.length + " scales for " + rows + " rows");
        }
        for (int r = 0; r < rows; r++) {
            if (!(scales[r] > 0) || Float.isInfinite(scales[r])) {
                throw new ModelFormatException(name + ": weight scale of row " + r + " is " + scales[r]
                        + " (must be finite and > 0)");
            }
        }
    }

    /**
     * An FP8 checkpoint's weight (F8_E4M3 [out, in]) with its {@code weight_scale}: [out, 1] or [out]
     * (strategy channel), [1] or [] (strategy tensor), in F32, BF16 or F16 (widened exactly).
     */
    public static Fp8Matrix fromCheckpoint(HostTensor weight, HostTensor scale) {
        if (weight.dtype() != DType.F8_E4M3 || weight.shape().length != 2) {
            throw new ModelFormatException("tensor '" + weight.name() + "' is " + weight + ", expected F8_E4M3 [out, in]");
        }
        int rows = Math.toIntExact(weight.dim(0));
        int cols = Math.toIntExact(weight.dim(1));
        long n = scale.numel();
        boolean perRow = n == rows && (scale.shape().length == 1 || (scale.shape().length == 2 && scale.dim(1) == 1));
        if (scale.dtype() == DType.F8_E4M3 || !(perRow || n == 1)) {
            throw new ModelFormatException("tensor '" + scale.name() + "' is " + scale + "; a weight_scale of "
                    + weight + " must be [" + rows + ", 1] or [" + rows + "] (per channel) or [1] or [] (per tensor),"
                    + " in F32, BF16 or F16");
        }
        float[] s = new float[rows];
        if (n == 1) Arrays.fill(s, scale.get(0));
        else scale.toFloat(0, s, 0, rows);
        return new Fp8Matrix(weight.name(), rows, cols, weight.data(), s);
    }

    /** Quantises a [rows, cols] tensor at load, per row (Fp8's rule: scale absmax / 448, codes RNE). */
    public static Fp8Matrix quantize(HostTensor t) {
        if (t.shape().length != 2) throw new IllegalArgumentException("quantize: " + t + " is not a matrix");
        int rows = Math.toIntExact(t.dim(0));
        int cols = Math.toIntExact(t.dim(1));
        byte[] codes = new byte[Math.toIntExact((long) rows * cols)];
        float[] scales = new float[rows];
        int rowsPerTask = Math.max(1, (1 << 16) / Math.max(1, cols));
        int tasks = (rows + rowsPerTask - 1) / rowsPerTask;
        java.util.stream.IntStream.range(0, tasks).parallel().forEach(task -> {
            float[] row = new float[cols];
            for (int r = task * rowsPerTask, end = Math.min(rows, r + rowsPerTask); r < end; r++) {
                t.toFloat((long) r * cols, row, 0, cols);
                scales[r] = Fp8.quantizeRow(row, 0, cols, codes, r * cols);
            }
        });
        return new Fp8Matrix(t.name(), rows, cols, ByteBuffer.wrap(codes), scales);
    }

    /** Code (r, c). */
    public byte code(int r, int c) {
        return codes.get(r * cols + c);
    }

    /** The value this matrix stands for at (r, c): scale * decode(code), in float32. */
    public float value(int r, int c) {
        return scales[r] * Fp8.decode(code(r, c));
    }

    @Override
    public String toString() {
        return name + " FP8 [" + rows + ", " + cols + "]";
    }
}
