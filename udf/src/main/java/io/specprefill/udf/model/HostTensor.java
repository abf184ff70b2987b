package io.specprefill.udf.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor as a checkpoint stores it: name, dtype, shape and its little-endian bytes. The bytes
 * are a read-only view into a memory-mapped safetensors file (never a copy of the whole file).
 * Backends read it once when they upload weights, each into its own format.
 */
public record HostTensor(String name, DType dtype, long[] shape, ByteBuffer data) {

    public HostTensor {
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        long expected = numel(shape) * dtype.bytes;
        if (data.remaining() != expected) {
            throw new ModelFormatException("tensor '" + name + "': " + data.remaining() + " bytes for shape "
                    + Arrays.toString(shape) + " of " + dtype + " (expected " + expected + ")");
        }
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public long numel() {
        return numel(shape);
    }

    /** Size of dimension i. */
    public long dim(int i) {
        return shape[i];
    }

    /** Element i widened to float32 (BF16, F16 and F8_E4M3 exactly; an FP8 value without its scale). */
    public float get(long i) {
        switch (dtype) {
            case F32: return data.getFloat(Math.toIntExact(i * 4));
            case BF16: return DType.bf16ToFloat(data.getShort(Math.toIntExact(i * 2)));
            case F16: return DType.f16ToFloat(data.getShort(Math.toIntExact(i * 2)));
            case F8_E4M3: return Fp8.decode(data.get(Math.toIntExact(i)));
            default: throw new IllegalStateException(dtype.name());
        }
    }

    /** Elements [from, from + dst.length - dstOff) widened to float32 into dst[dstOff..]. */
    public void toFloat(long from, float[] dst, int dstOff, int count) {
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32:
                b.position(Math.toIntExact(from * 4));
                b.asFloatBuffer().get(dst, dstOff, count);
                return;
            case BF16:
                for (int i = 0; i < count; i++) dst[dstOff + i] = DType.bf16ToFloat(b.getShort(Math.toIntExact((from + i) * 2)));
                return;
            case F16:
                for (int i = 0; i < count; i++) dst[dstOff + i] = DType.f16ToFloat(b.getShort(Math.toIntExact((from + i) * 2)));
                return;
            case F8_E4M3:
                for (int i = 0; i < count; i++) dst[dstOff + i] = Fp8.decode(b.get(Math.toIntExact(from + i)));
                return;
            default:
                throw new IllegalStateException(dtype.name());
        }
    }

    /** The whole tensor as float32 (small tensors and tests; weights go through a backend). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(numel())];
        toFloat(0, out, 0, out.length);
        return out;
    }

    /**
     * Vectors joined end to end as one F32 vector (exact for every dtype), e.g. q|k|v biases fused
     * into one row. For small tensors: the result is a heap copy.
     */
    public static HostTensor concat(String name, HostTensor... parts) {
        long n = 0;
        for (HostTensor t : parts) n += t.numel();
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (HostTensor t : parts) {
            for (float v : t.toFloatArray()) buf.putFloat(v);
        }
        buf.flip();
        return new HostTensor(name, DType.F32, new long[]{n}, buf);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
