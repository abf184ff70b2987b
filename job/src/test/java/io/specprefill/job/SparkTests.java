package io.specprefill.job;

import org.apache.spark.sql.SparkSession;

/** The Spark session of one test class: local[2], UI off, small shuffles. Stop it in @AfterAll. */
public final class SparkTests {
    private SparkTests() {
    }

    public static SparkSession session(Class<?> testClass) {
        return SparkSession.builder()
                .appName(testClass.getSimpleName())
                .config("spark.master", "local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.default.parallelism", "2")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.warehouse.dir", System.getProperty("java.io.tmpdir") + "/specprefill-warehouse")
                .getOrCreate();
    }
}
