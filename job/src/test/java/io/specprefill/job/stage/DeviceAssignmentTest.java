package io.specprefill.job.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The two rules and the log line that names the one used (a real cluster: StandaloneClusterIT). */
class DeviceAssignmentTest {
    private static final String[] NONE = new String[0];

    @Test
    void sparksAddressWinsOverThePartitionRule() {
        DeviceAssignment.Device d = DeviceAssignment.choose(new String[] {"3"}, 5, "auto", 2);
        assertEquals(3, d.ordinal());
        assertEquals("GPU 3 from Spark's resource scheduling (task resource gpu address \"3\")", d.rule());
        assertEquals(1, DeviceAssignment.choose(new String[] {" 1 "}, 0, "cuda", 0).ordinal(), "local_gpus plays no part");
    }

    @Test
    void withoutAGpuResourceLocalModeTakesPartitionModuloLocalGpus() {
        DeviceAssignment.Device d = DeviceAssignment.choose(NONE, 5, "auto", 2);
        assertEquals(1, d.ordinal());
        assertEquals("GPU 1 from the local-mode rule (no gpu resource from Spark: partition 5 modulo local_gpus 2)",
                d.rule());
    }

    @Test
    void backendCpuOrNoGpusMeansNoDevice() {
        assertEquals(new DeviceAssignment.Device(-1, "no GPU (backend cpu)"), DeviceAssignment.choose(NONE, 5, "cpu", 2));
        assertEquals(new DeviceAssignment.Device(-1, "no GPU (backend cpu; Spark's gpu address \"0\" is left unused)"),
                DeviceAssignment.choose(new String[] {"0"}, 5, "cpu", 2));
        assertEquals(new DeviceAssignment.Device(-1, "no GPU (no gpu resource from Spark, and local_gpus 0)"),
                DeviceAssignment.choose(NONE, 5, "auto", 0));
    }
}
