package io.specprefill.job.stage;

import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Which GPU a task uses (design.md 6), and which rule chose it, for the task's log line.
 * <ol>
 * <li>Spark's resource scheduling ({@code spark.executor.resource.gpu.amount} and
 * {@code spark.task.resource.gpu.amount=1}, a discovery script): the address Spark assigned the task
 * ({@code TaskContext.resources().get("gpu")}) is the CUDA ordinal. This is the rule on a cluster.</li>
 * <li>No gpu resource (local mode): the fallback, partition id modulo {@code local_gpus}.</li>
 * </ol>
 * {@code backend: cpu}, or no gpu resource with {@code local_gpus: 0}: no GPU (-1).
 */
public final class DeviceAssignment {
    private DeviceAssignment() {
    }

    /**
     * A task's device and the rule that chose it, e.g. {@code GPU 1 from Spark's resource scheduling
     * (task resource gpu address "1")}.
     *
     * @param ordinal the CUDA device ordinal, -1 for none
     */
    public record Device(int ordinal, String rule) {
    }

    /** The ordinal of {@link #of}. */
    public static int ordinal(TaskContext task, String backend, int localGpus) {
        return of(task, backend, localGpus).ordinal();
    }

    /** The device of a running Spark task: its gpu resource if Spark assigned one, else the local-mode rule. */
    public static Device of(TaskContext task, String backend, int localGpus) {
        Map<String, ResourceInformation> resources = task.resourcesJMap();
        ResourceInformation gpu = resources == null ? null : resources.get("gpu");
        return choose(gpu == null ? new String[0] : gpu.addresses(), task.partitionId(), backend, localGpus);
    }

    /**
     * The rules above on plain values.
     *
     * @param gpuAddresses the task's gpu resource addresses (empty: Spark assigned none)
     */
    static Device choose(String[] gpuAddresses, int partitionId, String backend, int localGpus) {
        boolean assigned = gpuAddresses.length > 0;
        if (backend.equals("cpu")) {
            return new Device(-1, "no GPU (backend cpu" + (assigned ? "; Spark's gpu address \"" + gpuAddresses[0]
                    + "\" is left unused)" : ")"));
        }
        if (assigned) {
            int ordinal = parse(gpuAddresses[0]);
            return new Device(ordinal, "GPU " + ordinal + " from Spark's resource scheduling (task resource gpu address \""
                    + gpuAddresses[0] + "\")");
        }
        if (localGpus == 0) {
            return new Device(-1, "no GPU (no gpu resource from Spark, and local_gpus 0)");
        }
        int ordinal = partitionId % localGpus;
        return new Device(ordinal, "GPU " + ordinal + " from the local-mode rule (no gpu resource from Spark: partition "
                + partitionId + " modulo local_gpus " + localGpus + ")");
    }

    static int parse(String address) {
        try {
            return Integer.parseInt(address.strip());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Spark assigned GPU address '" + address + "', expected a CUDA device "
                    + "ordinal (0, 1, ...): check the discovery script (scripts/getGpusResources.sh)", e);
        }
    }
}
