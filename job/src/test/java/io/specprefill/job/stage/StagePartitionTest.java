package io.specprefill.job.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class StagePartitionTest {
    private static final StructType SCHEMA = new StructType().add("row_index", DataTypes.LongType)
            .add("id", DataTypes.StringType).add("error", DataTypes.StringType);

    /** A feed whose "stage" maps ids through {@code task}; output rows are "index:id" (with the id in field "id"). */
    private static Iterator<Row> feed(List<Row> input, UnaryOperator<Iterator<String>> task) {
        StagePartition<String, String> stage = new StagePartition<>("test", new IdCodec(),
                (records, device, label) -> task.apply(records), "cpu", 0, null);
        return stage.new Feed(input.iterator(), "test", -1);
    }

    /** Records are the rows' ids; a row with an error bypasses the stage. */
    static final class IdCodec implements StagePartition.Codec<String, String> {
        @Override
        public String decode(Row row) {
            return row.getAs("error") == null ? row.getAs("id") : null;
        }

        @Override
        public Row bypass(Row row) {
            return out("failed:" + row.getAs("id"), row.getAs("id"));
        }

        @Override
        public Row encode(long rowIndex, String id) {
            return out(rowIndex + ":" + id, id);
        }
    }

    @Test
    void usableRowsGoThroughTheStageInOrderAndFailedRowsBypassIt() {
        List<Row> input = List.of(in(0, "a", null), in(1, "b", "bad"), in(2, "c", null), in(3, "d", "bad"), in(4, "e", null));
        List<String> fed = new ArrayList<>();
        List<String> out = drain(feed(input, usable -> new Iterator<>() {
            public boolean hasNext() {
                return usable.hasNext();
            }

            public String next() {
                String id = usable.next();
                fed.add(id);
                return id;
            }
        }));
        assertEquals(List.of("a", "c", "e"), fed);
        assertEquals(List.of("0:a", "2:c", "4:e", "failed:b", "failed:d"), out);
    }

    @Test
    void aStageThatReordersRowsIsCaught() {
        List<Row> input = List.of(in(0, "a", null), in(1, "b", null));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> drain(feed(input, usable -> {
            List<String> all = new ArrayList<>();
            usable.forEachRemaining(all::add);
            return List.of(all.get(1), all.get(0)).iterator();
        })));
        assertTrue(e.getMessage().contains("returned row id b where input order expects a"), e.getMessage());
    }

    private static List<String> drain(Iterator<Row> rows) {
        List<String> out = new ArrayList<>();
        rows.forEachRemaining(r -> out.add(r.getString(0)));
        return out;
    }

    private static Row in(long index, String id, String error) {
        return new GenericRowWithSchema(new Object[] {index, id, error}, SCHEMA);
    }

    static Row out(String value, String id) {
        return new GenericRowWithSchema(new Object[] {value, id},
                new StructType().add("v", DataTypes.StringType).add("id", DataTypes.StringType));
    }
}
