package io.specprefill.job.stage;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Which GPU a task uses (design.md 6). With Spark's resource scheduling
 * ({@code spark.task.resource.gpu.amount=1}) the task's assigned address is the CUDA ordinal.
 * Without it (local mode) tasks take partition id modulo {@code local_gpus}; with
 * {@code local_gpus: 0} or {@code backend: cpu}, none (-1).
 */
public final class DeviceAssignment {
    private DeviceAssignment() {
    }

    public static int ordinal(TaskContext task, String backend, int localGpus) {
        if (backend.equals("cpu")) {
            return -1;
        }
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        if (gpu != null && gpu.addresses().length > 0) {
            return parse(gpu.addresses()[0]);
        }
        return localGpus == 0 ? -1 : task.partitionId() % localGpus;
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
