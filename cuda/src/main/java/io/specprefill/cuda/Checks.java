package io.specprefill.cuda;

import io.specprefill.udf.llama.Backend;

/**
 * Argument checks of CudaBackend: a handle must be this backend's kind and large enough; messages
 * name the op, the argument and the expected and actual sizes.
 */
final class Checks {
    private Checks() {
    }

    static Handles.Tensor tensor(Backend.Tensor t, long needed, String what) {
        if (!(t instanceof Handles.Tensor)) throw foreign(t, what);
        if (needed > t.size()) {
            throw new IllegalArgumentException(what + ": tensor of " + t.size() + " floats, needs " + needed);
        }
        return (Handles.Tensor) t;
    }

    static Handles.Ints ints(Backend.Ints t, long needed, String what) {
        if (!(t instanceof Handles.Ints)) throw foreign(t, what);
        if (needed > t.size()) {
            throw new IllegalArgumentException(what + ": int vector of " + t.size() + " elements, needs " + needed);
        }
        return (Handles.Ints) t;
    }

    static Handles.Weight weight(Backend.Weight w, long rows, long cols, Handles.Format format, String what) {
        if (!(w instanceof Handles.Weight)) throw foreign(w, what);
        Handles.Weight h = (Handles.Weight) w;
        if (h.rows != rows || h.cols != cols || h.format != format) {
            throw new IllegalArgumentException(what + ": weight " + h + ", expected [" + rows + ", " + cols + "] "
                    + format);
        }
        return h;
    }

    static Handles.KvCache cache(Backend.KvCache c, int layer, String what) {
        if (!(c instanceof Handles.KvCache)) throw foreign(c, what);
        if (layer < 0 || layer >= c.layers()) {
            throw new IllegalArgumentException(what + ": layer " + layer + " outside the cache's " + c.layers() + " layers");
        }
        return (Handles.KvCache) c;
    }

    static void arrayLength(int length, int n, String what) {
        if (n < 0 || n > length) throw new IllegalArgumentException(what + ": n=" + n + " but the array has " + length);
    }

    static void positive(long v, String what) {
        if (v < 0) throw new IllegalArgumentException(what + "=" + v + " must be >= 0");
    }

    private static IllegalArgumentException foreign(Object handle, String what) {
        return new IllegalArgumentException(what + ": " + (handle == null ? "null" : handle.getClass().getName())
                + " is not a CudaBackend handle");
    }
}
