package io.specprefill.cuda;

import io.specprefill.udf.model.DType;
import io.specprefill.udf.model.Fp8Matrix;
import io.specprefill.udf.model.HostTensor;

import java.nio.ByteBuffer;

/**
 * Uploads checkpoint tensors (views into mapped safetensors) to the device, stacked along dim 0, in
 * the backend's weight format: matrices as BF16 (F32/F16 rounded to nearest even, BF16 copied as is),
 * single rows (norm vectors) as f32 (exact). Goes through the backend's {@link UploadStaging} (two
 * pinned 16 MiB buffers on a stream of their own), so no host array of the whole tensor is ever made
 * and the copies overlap batches that run meanwhile. The caller holds the staging's lock.
 */
final class WeightUpload {
    private WeightUpload() {
    }

    static Handles.Weight upload(HostTensor[] blocks, String device, UploadStaging staging) {
        if (blocks.length == 0) throw new IllegalArgumentException(device + ": weight() needs at least one tensor");
        long cols = cols(blocks[0]);
        long rows = 0;
        StringBuilder name = new StringBuilder();
        for (HostTensor t : blocks) {
            if (t.shape().length < 1 || t.shape().length > 2 || cols(t) != cols) {
                throw new IllegalArgumentException(device + ": cannot stack " + t + " under " + blocks[0]
                        + ": weights stack along dim 0 and need the same column count " + cols);
            }
            rows += t.shape().length == 1 ? 1 : t.dim(0);
            name.append(name.length() == 0 ? "" : "|").append(t.name());
        }
        Handles.Format format = rows == 1 ? Handles.Format.F32 : Handles.Format.BF16;
        long bytes = rows * cols * (format == Handles.Format.F32 ? 4 : 2);
        DeviceMemory mem = DeviceMemory.allocate(bytes, "weight " + name, device);
        try {
            long offset = 0;
            for (HostTensor t : blocks) offset = copy(t, format, mem, offset, staging);
            staging.finish();
        } catch (RuntimeException e) {
            staging.finish();   // no copy may still be writing into memory about to be freed
            mem.close();
            throw e;
        }
        return new Handles.Weight(mem, rows, cols, format, name.toString());
    }

    /**
     * FP8 matrices stacked along dim 0: the E4M3 codes as they are ([rows, cols] bytes) and the row
     * scales as one f32 vector. cols must be a multiple of 16 (cuBLASLt's FP8 GEMMs: k % 16 == 0).
     */
    static Handles.Weight uploadFp8(Fp8Matrix[] blocks, String device, UploadStaging staging) {
        if (blocks.length == 0) throw new IllegalArgumentException(device + ": weightFp8() needs at least one matrix");
        int cols = blocks[0].cols();
        long rows = 0;
        StringBuilder name = new StringBuilder();
        for (Fp8Matrix m : blocks) {
            if (m.cols() != cols) {
                throw new IllegalArgumentException(device + ": cannot stack " + m + " under " + blocks[0]
                        + ": FP8 weights stack along dim 0 and need the same column count " + cols);
            }
            rows += m.rows();
            name.append(name.length() == 0 ? "" : "|").append(m.name());
        }
        if (cols % 16 != 0) {
            throw new IllegalArgumentException(device + ": FP8 weight " + name + " has " + cols + " columns; FP8 GEMMs"
                    + " (cuBLASLt on FP8 tensor cores) need a multiple of 16: use weights_dtype auto for this model");
        }
        DeviceMemory mem = DeviceMemory.allocate(rows * cols, "FP8 weight " + name, device);
        DeviceMemory scales = null;
        try {
            scales = DeviceMemory.allocate(rows * 4, "FP8 scales of " + name, device);
            long offset = 0, row = 0;
            for (Fp8Matrix m : blocks) {
                ByteBuffer src = m.codes().duplicate();
                long n = (long) m.rows() * cols;
                for (long done = 0; done < n; done += UploadStaging.BUFFER_BYTES) {
                    int count = (int) Math.min(UploadStaging.BUFFER_BYTES, n - done);
                    src.limit(Math.toIntExact(done + count)).position(Math.toIntExact(done));
                    staging.buffer().put(src);
                    staging.send(mem, offset + done, count);
                }
                for (int done = 0; done < m.rows(); done += UploadStaging.BUFFER_BYTES / 4) {
                    int count = Math.min(UploadStaging.BUFFER_BYTES / 4, m.rows() - done);
                    staging.buffer().asFloatBuffer().put(m.scales(), done, count);
                    staging.send(scales, (row + done) * 4L, count * 4L);
                }
                offset += n;
                row += m.rows();
            }
            staging.finish();
        } catch (RuntimeException e) {
            staging.finish();
            mem.close();
            if (scales != null) scales.close();
            throw e;
        }
        return new Handles.Weight(mem, rows, cols, Handles.Format.FP8, name.toString(), scales);
    }

    private static long cols(HostTensor t) {
        long[] s = t.shape();
        return s.length == 0 ? 1 : s[s.length - 1];
    }

    /** Copies tensor t into mem at byte offset {@code offset}; returns the offset after it. */
    private static long copy(HostTensor t, Handles.Format format, DeviceMemory mem, long offset, UploadStaging staging) {
        long n = t.numel();
        int outBytes = format == Handles.Format.F32 ? 4 : 2;
        int perChunk = UploadStaging.BUFFER_BYTES / outBytes;
        if (format == Handles.Format.BF16 && t.dtype() == DType.BF16) {
            ByteBuffer src = t.data().duplicate();
            for (long done = 0; done < n; done += perChunk) {
                int count = (int) Math.min(perChunk, n - done);
                src.limit(Math.toIntExact((done + count) * 2)).position(Math.toIntExact(done * 2));
                staging.buffer().put(src);
                staging.send(mem, offset + done * 2, count * 2L);
            }
            return offset + n * 2;
        }
        float[] tmp = new float[(int) Math.min(perChunk, n)];
        for (long done = 0; done < n; done += perChunk) {
            int count = (int) Math.min(perChunk, n - done);
            t.toFloat(done, tmp, 0, count);
            ByteBuffer b = staging.buffer();
            if (format == Handles.Format.F32) {
                b.asFloatBuffer().put(tmp, 0, count);
            } else {
                for (int i = 0; i < count; i++) b.putShort(i * 2, DType.floatToBf16(tmp[i]));
            }
            staging.send(mem, offset + done * outBytes, (long) count * outBytes);
        }
        return offset + n * outBytes;
    }
}
