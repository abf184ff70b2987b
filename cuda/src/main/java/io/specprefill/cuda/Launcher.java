package io.specprefill.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * Launch mechanics shared by every {@link Kernels} launcher: a kernel handle resolved once, its
 * parameters set through a reused argument list ({@code l.launch(k, grid, block, smem).ptr(a).i(n).go()}:
 * no boxing, no arrays, no strings per launch), a CUresult that becomes an exception naming the
 * kernel and its launch dimensions (formatted only on failure), and the last kernel launched, for
 * errors that surface later.
 *
 * <p>With system property {@code specprefill.cuda.syncCheck=true} every launch is followed by a
 * stream synchronize, so an asynchronous fault is reported against the kernel that caused it
 * (tests turn it on; it costs throughput; it is skipped while a CUDA graph is being captured).
 * Not thread-safe: one per CudaBackend, used from the thread that holds its context.
 */
final class Launcher {
    /** A kernel of one {@code src/main/cuda/<file>.cu}, its function resolved on first launch. */
    static final class Kernel {
        final String file;
        final String name;
        CUfunction function;
        long functionAddress;
        int raisedSmem;
        /** Launched with programmatic stream serialization where the backend allows it (ProgrammaticLaunch). */
        boolean programmatic;

        Kernel(String file, String name) {
            this.file = file;
            this.name = name;
        }

        /**
         * Marks this kernel as one that may start before the previous kernel on the stream ends: its
         * code must execute {@code griddepcontrol.wait} before it reads anything that kernel writes.
         */
        Kernel programmatic() {
            programmatic = true;
            return this;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final int MAX_ARGS = 24;

    final String device;
    final CUstream stream;
    final long streamAddress;
    final KernelModules modules;
    private final boolean syncCheck = Boolean.getBoolean("specprefill.cuda.syncCheck");
    /** Whether kernels marked programmatic launch with the attribute (sm_90+, the bridge loaded, not turned off). */
    final boolean programmaticLaunch;
    boolean capturing;   // set by StepGraphs while a stream capture is open
    private final Args args = new Args();
    private Kernel last;
    private int lastGx, lastGy, lastGz, lastBlock, lastSmem;

    Launcher(String device, CUstream stream, KernelModules modules, boolean programmaticLaunch) {
        this.device = device;
        this.stream = stream;
        this.streamAddress = DeviceMemory.addressOf(stream);
        this.modules = modules;
        this.programmaticLaunch = programmaticLaunch;
    }

    /** Starts a launch of {@code k}: grid (gx, gy, gz), 1-D blocks; add the parameters, then {@link Args#go()}. */
    Args launch(Kernel k, int gx, int gy, int gz, int block, int sharedBytes) {
        if (k.function == null) {
            k.function = modules.function(k.file, k.name);
            k.functionAddress = DeviceMemory.addressOf(k.function);
        }
        if (sharedBytes > 48 * 1024 && sharedBytes > k.raisedSmem) {
            Cuda.check(JCudaDriver.cuFuncSetAttribute(k.function,
                    CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes),
                    device + ": raising the shared memory of " + k.name + " to " + sharedBytes + " bytes");
            k.raisedSmem = sharedBytes;
        }
        last = k;
        lastGx = gx;
        lastGy = gy;
        lastGz = gz;
        lastBlock = block;
        lastSmem = sharedBytes;
        if (gx <= 0 || gy <= 0 || gz <= 0) {
            throw new CudaException(device + ": kernel " + describeLast() + ": empty or overflowing grid");
        }
        args.n = 0;
        return args;
    }

    /** The parameters of the launch being built, in the kernel's order; the Java type must match C's. */
    final class Args {
        private final long[][] longs = new long[MAX_ARGS][1];
        private final int[][] ints = new int[MAX_ARGS][1];
        private final float[][] floats = new float[MAX_ARGS][1];
        private final Pointer[] longPtr = new Pointer[MAX_ARGS], intPtr = new Pointer[MAX_ARGS], floatPtr = new Pointer[MAX_ARGS];
        private final NativePointerObject[][] lists = new NativePointerObject[MAX_ARGS + 1][];
        private final Pointer[] listPtr = new Pointer[MAX_ARGS + 1];
        private final Pointer[] ordered = new Pointer[MAX_ARGS];
        /** The same parameters as 8-byte slots, for a programmatic launch (ints and floats in the low half). */
        private final long[] slots = new long[MAX_ARGS];
        private int n;

        Args() {
            for (int i = 0; i < MAX_ARGS; i++) {
                longPtr[i] = Pointer.to(longs[i]);
                intPtr[i] = Pointer.to(ints[i]);
                floatPtr[i] = Pointer.to(floats[i]);
            }
            for (int c = 0; c <= MAX_ARGS; c++) {
                lists[c] = new NativePointerObject[c];
                listPtr[c] = Pointer.to(lists[c]);
            }
        }

        /** A device address or any 64-bit value (C: pointer, long, size_t). */
        Args ptr(long v) {
            longs[n][0] = v;
            slots[n] = v;
            return put(longPtr[n]);
        }

        /** A 32-bit int (C: int). */
        Args i(int v) {
            ints[n][0] = v;
            slots[n] = v & 0xffffffffL;
            return put(intPtr[n]);
        }

        /** A 32-bit float (C: float). */
        Args f(float v) {
            floats[n][0] = v;
            slots[n] = Float.floatToRawIntBits(v) & 0xffffffffL;
            return put(floatPtr[n]);
        }

        private Args put(Pointer p) {
            if (n == MAX_ARGS) throw new CudaException(device + ": kernel " + last.name + " has more than " + MAX_ARGS + " parameters");
            ordered[n++] = p;
            return this;
        }

        /** Launches on the backend's stream. */
        void go() {
            int r;
            if (last.programmatic && programmaticLaunch) {
                r = ProgrammaticLaunch.launch(last.functionAddress, lastGx, lastGy, lastGz, lastBlock, lastSmem,
                        streamAddress, slots, n);
            } else {
                NativePointerObject[] list = lists[n];
                System.arraycopy(ordered, 0, list, 0, n);
                r = JCudaDriver.cuLaunchKernel(last.function, lastGx, lastGy, lastGz, lastBlock, 1, 1, lastSmem, stream,
                        listPtr[n], null);
            }
            if (r != CUresult.CUDA_SUCCESS) {
                throw new CudaException(device + ": launching kernel " + describeLast() + " failed: " + CUresult.stringFor(r));
            }
            if (syncCheck && !capturing) {
                r = JCudaDriver.cuStreamSynchronize(stream);
                if (r != CUresult.CUDA_SUCCESS) {
                    throw new CudaException(device + ": kernel " + describeLast() + " failed: " + CUresult.stringFor(r));
                }
            }
        }
    }

    private String describeLast() {
        return last == null ? "none" : last.name + " grid (" + lastGx + ", " + lastGy + ", " + lastGz + ") block "
                + lastBlock + " shared " + lastSmem;
    }

    /** Waits for the stream; an asynchronous fault names the last kernel launched. */
    void synchronize(String what) {
        if (capturing) throw new CudaException(device + ": " + what + " while a CUDA graph is being captured");
        int r = JCudaDriver.cuStreamSynchronize(stream);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new CudaException(device + ": " + what + " failed: " + CUresult.stringFor(r)
                    + " (an earlier asynchronous op failed; last kernel launched: " + describeLast() + ")");
        }
    }

    /** Blocks of {@code block} threads covering {@code n} items, as an int grid dimension. */
    int blocks(long n, int block, Kernel kernel) {
        long b = (n + block - 1) / block;
        if (b > Integer.MAX_VALUE) throw new CudaException(device + ": " + kernel.name + ": " + n + " items need too many blocks");
        return (int) Math.max(b, 1);
    }
}
