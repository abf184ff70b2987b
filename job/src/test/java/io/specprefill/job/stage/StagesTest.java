package io.specprefill.job.stage;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.specprefill.job.SparkTests;
import io.specprefill.job.io.Schemas;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StagesTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTests.session(StagesTest.class);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void snakeOrderDealsLongestRowsEvenly() {
        List<Integer> parts = new ArrayList<>();
        for (int rank = 0; rank < 8; rank++) {
            parts.add(Stages.snake(rank, 3));
        }
        assertEquals(List.of(0, 1, 2, 2, 1, 0, 0, 1), parts);
    }

    @Test
    void balanceSpreadsWorkEvenlyAndSortsEachPartitionLongestFirst() {
        StructType schema = new StructType().add(Schemas.ROW_INDEX, DataTypes.LongType).add("kept_tokens", DataTypes.IntegerType);
        Random random = new Random(3);
        List<Row> rows = new ArrayList<>();
        long total = 0;
        int max = 0;
        for (long i = 0; i < 203; i++) {
            int k = 1 + random.nextInt(random.nextBoolean() ? 100 : 5000);   // very uneven lengths
            rows.add(RowFactory.create(i, k));
            total += k;
            max = Math.max(max, k);
        }
        // input arrives skewed: all the long rows in one partition
        Dataset<Row> skewed = spark.createDataFrame(rows, schema).repartitionByRange(5, col("kept_tokens"));
        List<List<Integer>> parts = Stages.balanceByKeptLength(skewed, 5)
                .mapPartitions((MapPartitionsFunction<Row, Row>) it -> List.of(RowFactory.create(io.specprefill.job.io.Rows.seq(lengths(it)))).iterator(),
                        Encoders.row(new StructType().add("k", DataTypes.createArrayType(DataTypes.IntegerType))))
                .collectAsList().stream().map(r -> r.<Integer>getList(0)).toList();
        assertEquals(5, parts.size());
        assertEquals(203, parts.stream().mapToInt(List::size).sum(), "no row lost or duplicated");
        for (List<Integer> part : parts) {
            long sum = part.stream().mapToLong(Integer::longValue).sum();
            assertTrue(Math.abs(sum - total / 5.0) <= max, "partition total " + sum + " vs mean " + total / 5.0);
            for (int i = 1; i < part.size(); i++) {
                assertTrue(part.get(i - 1) >= part.get(i), "sorted longest first: " + part);
            }
        }
    }

    @Test
    void deviceOrdinalsComeFromSparkOrThePartitionId() {
        List<Row> ordinals = spark.range(0, 6).repartition(6).mapPartitions((MapPartitionsFunction<Long, Row>) it -> {
            org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
            return List.of(RowFactory.create(task.partitionId(), DeviceAssignment.ordinal(task, "auto", 4),
                    DeviceAssignment.ordinal(task, "cpu", 4), DeviceAssignment.ordinal(task, "cuda", 0))).iterator();
        }, Encoders.row(new StructType().add("p", DataTypes.IntegerType).add("auto", DataTypes.IntegerType)
                .add("cpu", DataTypes.IntegerType).add("none", DataTypes.IntegerType))).collectAsList();
        assertEquals(6, ordinals.size());
        for (Row r : ordinals) {
            assertEquals(r.getInt(0) % 4, r.getInt(1), "local mode: partition id modulo local_gpus");
            assertEquals(-1, r.getInt(2), "backend cpu");
            assertEquals(-1, r.getInt(3), "local_gpus 0");
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DeviceAssignment.parse("GPU-3f2a"));
        assertTrue(e.getMessage().contains("'GPU-3f2a'"), e.getMessage());
    }

    private static List<Integer> lengths(Iterator<Row> rows) {
        List<Integer> out = new ArrayList<>();
        rows.forEachRemaining(r -> out.add(r.getAs("kept_tokens")));
        return out;
    }

    /** Set by the closeable task below; read after the Spark job (local mode: the same JVM). */
    static final java.util.concurrent.atomic.AtomicInteger CLOSED = new java.util.concurrent.atomic.AtomicInteger();

    @Test
    void aTaskThatFailsMidPartitionIsStillClosedWhenTheSparkTaskEnds() {
        CLOSED.set(0);
        StructType schema = new StructType().add(Schemas.ROW_INDEX, DataTypes.LongType).add("id", DataTypes.StringType)
                .add("error", DataTypes.StringType);
        List<Row> rows = List.of(RowFactory.create(0L, "a", null), RowFactory.create(1L, "b", null),
                RowFactory.create(2L, "c", null));
        Dataset<Row> input = spark.createDataFrame(rows, schema).coalesce(1);
        MapPartitionsFunction<Row, Row> failing = StagesTest::failingFeed;
        StructType out = new StructType().add("v", DataTypes.StringType).add("id", DataTypes.StringType);
        Exception e = assertThrows(Exception.class,
                () -> input.mapPartitions(failing, Encoders.row(out)).collectAsList());
        assertTrue(String.valueOf(e.getMessage()).contains("second row fails"), String.valueOf(e.getMessage()));
        assertEquals(1, CLOSED.get(), "the task's iterator is closed once when the Spark task fails");
    }

    /** A stage over {@link ClosingTask}; static, so the function Spark serializes holds no test instance. */
    private static Iterator<Row> failingFeed(Iterator<Row> it) {
        StagePartition<String, String> stage = new StagePartition<>("test", new StagePartitionTest.IdCodec(),
                (records, device, label) -> new ClosingTask(records), "cpu", 0, null);
        return stage.new Feed(it, "test", -1);
    }

    /** A task that hands out one row, fails on the next, and counts its close(). */
    private static final class ClosingTask implements Iterator<String>, AutoCloseable {
        private final Iterator<String> usable;
        private int handed;

        ClosingTask(Iterator<String> usable) {
            this.usable = usable;
        }

        @Override
        public boolean hasNext() {
            return usable.hasNext();
        }

        @Override
        public String next() {
            if (handed++ == 1) throw new IllegalStateException("second row fails");
            return usable.next();
        }

        @Override
        public void close() {
            CLOSED.incrementAndGet();
        }
    }
}
