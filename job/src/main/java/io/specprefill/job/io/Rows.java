package io.specprefill.job.io;

import java.util.List;
import org.apache.spark.sql.Row;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Array columns of Spark rows. Spark's row encoder and {@link Row#getList} want Scala sequences;
 * rows built in Java hold {@link List}s until encoded. These helpers accept both.
 */
public final class Rows {
    private Rows() {
    }

    /** A Java list as the Scala sequence an array column holds; null stays null. */
    public static <T> scala.collection.immutable.Seq<T> seq(List<T> values) {
        return values == null ? null : CollectionConverters.asScala(values).toSeq();
    }

    /** The array column {@code field} as a Java list; null when the value is null. */
    public static <T> List<T> list(Row row, String field) {
        return list(row, row.fieldIndex(field));
    }

    /** The array column at {@code index} (rows without a schema) as a Java list; null when null. */
    @SuppressWarnings("unchecked")
    public static <T> List<T> list(Row row, int index) {
        Object v = row.get(index);
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> list) {
            return (List<T>) list;
        }
        return CollectionConverters.asJava((scala.collection.Seq<T>) v);
    }
}
