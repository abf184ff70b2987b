package io.specprefill.cuda;

import jcuda.driver.JCudaDriver;

import java.util.HashMap;
import java.util.Map;

/**
 * Named device scratch buffers that grow on demand and are reused between calls (GEMM input casts,
 * attention partials, importance rows): after the first prompt of a size, ops allocate nothing.
 * Growing waits for the stream first, since earlier kernels may still use the old buffer.
 */
final class Scratch implements AutoCloseable {
    private final Launcher launcher;
    private final Map<String, DeviceMemory> buffers = new HashMap<>();

    Scratch(Launcher launcher) {
        this.launcher = launcher;
    }

    /** The address of buffer {@code name} holding at least {@code bytes}. */
    long get(String name, long bytes) {
        return memory(name, bytes).address;
    }

    /**
     * The address of buffer {@code name} of at least {@code bytes}, zero when (re)allocated: for
     * counters that kernels leave zero after each use (attention_decode_v5's).
     */
    long zeroed(String name, long bytes) {
        DeviceMemory m = buffers.get(name);
        if (m != null && m.bytes >= bytes) return m.address;
        m = memory(name, bytes);
        Cuda.check(JCudaDriver.cuMemsetD8Async(m.ptr, (byte) 0, m.bytes, launcher.stream), launcher.device + ": zeroing " + name);
        return m.address;
    }

    /** Buffer {@code name} holding at least {@code bytes}, for ops that also upload into it. */
    DeviceMemory memory(String name, long bytes) {
        DeviceMemory m = buffers.get(name);
        if (m == null || m.bytes < bytes) {
            if (m != null) {
                launcher.synchronize("growing scratch buffer " + name);
                m.close();
                buffers.remove(name);
            }
            long rounded = Math.max(bytes + bytes / 4, 1 << 16);
            buffers.put(name, m = DeviceMemory.allocate(rounded, "scratch " + name, launcher.device));
        }
        return m;
    }

    @Override
    public void close() {
        for (DeviceMemory m : buffers.values()) m.close();
        buffers.clear();
    }
}
