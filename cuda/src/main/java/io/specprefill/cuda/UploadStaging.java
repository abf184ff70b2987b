package io.specprefill.cuda;

import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Two pinned host buffers and a stream of their own, through which weights travel to the device
 * (WeightUpload). Why: a plain cuMemcpyHtoD from pageable memory runs on the legacy default
 * stream, which waits for the compute stream and holds it; a model loading while another model's
 * batches run (stage 1 prefetching the target beside the draft, ModelCache.prefetch) then shares the
 * GPU's time with them instead of overlapping, and measured so on an H200 (an 8B target took 15 s
 * beside the draft instead of 4, and stage 1 grew by the difference). Here each chunk is copied
 * into one pinned buffer while the other is in flight on a non-blocking stream, so the copy
 * engine works beside the kernels. Weights go to fresh allocations no kernel reads yet, so they
 * need no ordering with the compute stream; {@link #finish} waits for the last chunk before the
 * weight is handed out.
 *
 * <p>One per backend, made on first use; {@link #lock} serialises uploads of concurrent loads. The
 * caller's context must be current.
 */
final class UploadStaging implements AutoCloseable {
    static final int BUFFER_BYTES = 16 << 20;

    final Object lock = new Object();
    private final Pointer[] host = {new Pointer(), new Pointer()};
    private final ByteBuffer[] buffers = new ByteBuffer[2];
    private final CUevent[] sent = {new CUevent(), new CUevent()};
    private final boolean[] pending = new boolean[2];
    private final CUstream stream = new CUstream();
    private final String device;
    private int next;

    UploadStaging(String device) {
        this.device = device;
        Cuda.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), device + ": upload stream");
        for (int i = 0; i < 2; i++) {
            Cuda.check(JCudaDriver.cuMemAllocHost(host[i], BUFFER_BYTES), device + ": pinned upload buffer of "
                    + (BUFFER_BYTES >> 20) + " MiB");
            buffers[i] = host[i].getByteBuffer(0, BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            Cuda.check(JCudaDriver.cuEventCreate(sent[i], CUevent_flags.CU_EVENT_DISABLE_TIMING), device + ": upload event");
        }
    }

    /** The next buffer to fill, cleared, once its previous chunk has left it. */
    ByteBuffer buffer() {
        if (pending[next]) {
            Cuda.check(JCudaDriver.cuEventSynchronize(sent[next]), device + ": waiting for a weight chunk's copy");
            pending[next] = false;
        }
        return buffers[next].clear();
    }

    /** Sends the first {@code n} bytes of the buffer {@link #buffer} returned to {@code mem} at {@code byteOffset}. */
    void send(DeviceMemory mem, long byteOffset, long n) {
        mem.checkRange(byteOffset, n, "upload");
        Cuda.check(JCudaDriver.cuMemcpyHtoDAsync(mem.at(byteOffset), host[next], n, stream),
                device + ": cuMemcpyHtoDAsync(" + n + " bytes) of a weight chunk");
        Cuda.check(JCudaDriver.cuEventRecord(sent[next], stream), device + ": upload event record");
        pending[next] = true;
        next ^= 1;
    }

    /** Waits until every chunk sent has arrived. */
    void finish() {
        Cuda.check(JCudaDriver.cuStreamSynchronize(stream), device + ": finishing a weight upload");
        pending[0] = pending[1] = false;
    }

    @Override
    public void close() {
        JCudaDriver.cuStreamSynchronize(stream);
        for (int i = 0; i < 2; i++) {
            JCudaDriver.cuEventDestroy(sent[i]);
            JCudaDriver.cuMemFreeHost(host[i]);
        }
        JCudaDriver.cuStreamDestroy(stream);
    }
}
