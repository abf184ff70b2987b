package io.specprefill.udf.llama;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Backend selection by name: "cpu" (built in), any {@link BackendProvider} name (e.g. "cuda"), or
 * "auto": "cuda" when its provider says available, else "cpu". A named backend that is not
 * available is an error carrying the provider's reason, never a silent fall back to the CPU.
 */
public final class Backends {

    public static final String CPU = "cpu";
    public static final String CUDA = "cuda";
    public static final String AUTO = "auto";
    /** The start of {@link Choice#why} when "auto" found no usable GPU and chose the CPU. */
    public static final String AUTO_FALLBACK = "auto: cuda not usable";

    private Backends() {
    }

    /**
     * The outcome of a selection: the backend name, the device (-1 for the CPU) and why it was
     * chosen, for the task's log line.
     */
    public record Choice(String name, int device, String why, BackendProvider provider) {
        /** "cpu" or "cuda:0": the cache key and the log name. */
        public String key() {
            return device < 0 ? name : name + ":" + device;
        }

        /**
         * {@link #why} without the provider's reason for an "auto" fall back to the CPU (a long line
         * about driver libraries): for lines repeated per task, when the reason was logged once.
         */
        public String brief() {
            return why.startsWith(AUTO_FALLBACK + " (") ? AUTO_FALLBACK : why;
        }

        /** A new backend instance (callers cache it; see ModelCache). */
        public Backend create() {
            return provider == null ? new CpuBackend() : provider.create(device);
        }
    }

    /**
     * Resolves {@code requested} ("cpu", "cuda", "auto", or another provider's name).
     *
     * @param deviceOrdinal the GPU Spark assigned this task, -1 for none (a GPU backend then uses 0)
     */
    public static Choice choose(String requested, int deviceOrdinal) {
        String req = requested == null ? AUTO : requested.trim().toLowerCase(java.util.Locale.ROOT);
        int device = Math.max(0, deviceOrdinal);
        if (req.equals(CPU)) return new Choice(CPU, -1, "requested", null);
        if (req.equals(AUTO)) {
            BackendProvider cuda = find(CUDA);
            if (cuda != null && cuda.available()) {
                return new Choice(CUDA, device, "auto: cuda provider available", cuda);
            }
            String reason = cuda == null ? "no cuda provider on the class path" : cuda.unavailableReason();
            return new Choice(CPU, -1, AUTO_FALLBACK + " (" + reason + ")", null);
        }
        BackendProvider p = find(req);
        if (p == null && req.equals(CUDA)) {
            throw new IllegalStateException("backend 'cuda' requested but not available: no cuda provider on the class"
                    + " path (the specprefill-cuda jar is missing)");
        }
        if (p == null) {
            throw new IllegalArgumentException("backend '" + requested + "' is unknown: known are cpu, auto"
                    + (names().isEmpty() ? "" : ", " + String.join(", ", names())));
        }
        if (!p.available()) {
            throw new IllegalStateException("backend '" + req + "' requested but not available: " + p.unavailableReason());
        }
        return new Choice(p.name(), device, "requested", p);
    }

    /** The provider named {@code name}, or null. */
    static BackendProvider find(String name) {
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, loader())) {
            if (p.name().equalsIgnoreCase(name)) return p;
        }
        return null;
    }

    /** Names of every provider on the class path. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, loader())) out.add(p.name());
        return out;
    }

    /** Spark tasks load user jars through the thread's context loader; fall back to ours. */
    private static ClassLoader loader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : Backends.class.getClassLoader();
    }
}
