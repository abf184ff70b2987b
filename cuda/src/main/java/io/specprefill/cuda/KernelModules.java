package io.specprefill.cuda;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The compiled kernels of one context: each {@code src/main/cuda/<file>.cu} is a module, loaded on
 * first use from the jar resource that matches the device: {@code /kernels/<file>.sm_90.cubin} on
 * compute capability 9.x, {@code .sm_80.cubin} on 8.x (binary compatible across 8.0-8.9), else
 * {@code .ptx} (compute_90), which the driver compiles for newer devices. Not thread-safe: one per
 * CudaBackend, used from the thread that holds its context.
 */
final class KernelModules implements AutoCloseable {
    private final int computeCapability;
    private final String device;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();

    KernelModules(int computeCapability, String device) {
        this.computeCapability = computeCapability;
        this.device = device;
    }

    /** The kernel {@code name} of module {@code file}, loading the module once. */
    CUfunction function(String file, String name) {
        String key = file + "/" + name;
        CUfunction f = functions.get(key);
        if (f == null) {
            f = new CUfunction();
            Cuda.check(JCudaDriver.cuModuleGetFunction(f, module(file), name),
                    device + ": kernel " + name + " in /kernels/" + file);
            functions.put(key, f);
        }
        return f;
    }

    private CUmodule module(String file) {
        CUmodule m = modules.get(file);
        if (m != null) return m;
        String resource = resourceFor(file);
        byte[] image = read(resource);
        m = new CUmodule();
        Cuda.check(JCudaDriver.cuModuleLoadData(m, image), device + ": cuModuleLoadData(" + resource + ")");
        modules.put(file, m);
        return m;
    }

    private String resourceFor(String file) {
        if (computeCapability >= 90 && computeCapability < 100) return "/kernels/" + file + ".sm_90.cubin";
        if (computeCapability >= 80 && computeCapability < 90) return "/kernels/" + file + ".sm_80.cubin";
        if (computeCapability >= 90) return "/kernels/" + file + ".ptx";
        throw new CudaException(device + ": compute capability " + computeCapability / 10 + "." + computeCapability % 10
                + " is not supported (kernels are built for 8.x and 9.x, PTX for 9.0+; BF16 tensor cores need 8.0)");
    }

    private byte[] read(String resource) {
        try (InputStream in = KernelModules.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new CudaException(device + ": kernel image " + resource + " is missing from the jar"
                        + " (the cuda module was built without nvcc?)");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            if (resource.endsWith(".ptx")) out.write(0);   // cuModuleLoadData wants PTX NUL-terminated
            return out.toByteArray();
        } catch (IOException e) {
            throw new CudaException(device + ": cannot read " + resource + ": " + e, e);
        }
    }

    @Override
    public void close() {
        for (CUmodule m : modules.values()) JCudaDriver.cuModuleUnload(m);
        modules.clear();
        functions.clear();
    }
}
