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

class TaskFeedTest {
    private static final StructType SCHEMA = new StructType().add("row_index", DataTypes.LongType)
            .add("id", DataTypes.StringType).add("error", DataTypes.StringType);

    /** A feed whose "task" maps ids through {@code task}; output rows are "index:id". */
    private static TaskFeed<String, String> feed(List<Row> input, UnaryOperator<Iterator<String>> task) {
        return new TaskFeed<>(input.iterator(), "test") {
            @Override
            String decode(Row row) {
                return row.getAs("error") == null ? row.getAs("id") : null;
            }

            @Override
            Row bypass(Row row) {
                return row("failed:" + row.getAs("id"));
            }

            @Override
            String id(String out) {
                return out;
            }

            @Override
            Row encode(long rowIndex, String out) {
                return row(rowIndex + ":" + out);
            }

            @Override
            Iterator<String> run(Iterator<String> usable) {
                return task.apply(usable);
            }
        };
    }

    @Test
    void usableRowsGoThroughTheTaskInOrderAndFailedRowsBypassIt() {
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
    void aTaskThatReordersRowsIsCaught() {
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

    private static Row row(String value) {
        return new GenericRowWithSchema(new Object[] {value}, new StructType().add("v", DataTypes.StringType));
    }
}
