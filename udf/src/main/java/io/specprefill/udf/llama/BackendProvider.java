package io.specprefill.udf.llama;

/**
 * A backend that lives outside this module, found with {@link java.util.ServiceLoader}: the
 * {@code cuda} module registers one in {@code META-INF/services/io.specprefill.udf.llama.BackendProvider}.
 * {@code udf} cannot depend on {@code cuda}, so this is how a task gets a GPU backend by name.
 * The CPU backend is built in (see {@link Backends}) and needs no provider.
 *
 * <p>Implementations must be cheap to construct (ServiceLoader instantiates them on the driver
 * too) and must not touch native code before {@link #available()} is called.
 */
public interface BackendProvider {

    /** The name a config asks for, e.g. "cuda". */
    String name();

    /** True when {@link #create} can work in this JVM (native library loads, a device exists). */
    boolean available();

    /** Why {@link #available()} is false, for the error and the log; null when available. */
    String unavailableReason();

    /** A backend on device {@code deviceOrdinal} (&gt;= 0). Throws with the reason when it cannot. */
    Backend create(int deviceOrdinal);
}
