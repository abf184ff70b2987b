package io.specprefill.job.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Arrow IPC files with the Arrow Java library that Spark brings (Spark has no Arrow IPC data
 * source). Reading accepts the file format ("ARROW1" magic) and the stream format; writing makes
 * the file format, {@link #BATCH_ROWS} rows per record batch, for the column types of {@link Schemas}:
 * string, int, long, double, array of int, array of string.
 */
public final class ArrowIo {
    private ArrowIo() {
    }

    static final int BATCH_ROWS = 1024;
    private static final byte[] FILE_MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);

    /** Calls {@code row} for every row of the file, in order, with its fields as plain Java values. */
    public static void read(Path file, Consumer<InputFields> row) throws IOException {
        try (BufferAllocator allocator = new RootAllocator();
             ArrowReader reader = open(file, allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            while (reader.loadNextBatch()) {
                for (int i = 0; i < root.getRowCount(); i++) {
                    Map<String, Object> values = new HashMap<>();
                    for (FieldVector v : root.getFieldVectors()) {
                        values.put(v.getName(), InputFields.plain(v.getObject(i)));
                    }
                    row.accept(InputFields.of(values));
                }
            }
        }
    }

    private static ArrowReader open(Path file, BufferAllocator allocator) throws IOException {
        byte[] head = new byte[FILE_MAGIC.length];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, head.length);
            if (n == head.length && java.util.Arrays.equals(head, FILE_MAGIC)) {
                return new ArrowFileReader(FileChannel.open(file, StandardOpenOption.READ), allocator);
            }
        }
        return new ArrowStreamReader(Channels.newInputStream(FileChannel.open(file)), allocator);
    }

    /** Writes the rows (of {@code schema}) as one Arrow IPC file; returns the row count. */
    public static long write(Path file, StructType schema, Iterator<Row> rows) throws IOException {
        long count = 0;
        try (BufferAllocator allocator = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(arrowSchema(schema), allocator);
             FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING);
             ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
            writer.start();
            List<Row> batch = new ArrayList<>(BATCH_ROWS);
            while (rows.hasNext()) {
                batch.add(rows.next());
                if (batch.size() == BATCH_ROWS || !rows.hasNext()) {
                    fill(root, schema, batch);
                    writer.writeBatch();
                    count += batch.size();
                    batch.clear();
                }
            }
            writer.end();
        }
        return count;
    }

    private static void fill(VectorSchemaRoot root, StructType schema, List<Row> batch) {
        root.allocateNew();
        StructField[] fields = schema.fields();
        for (int c = 0; c < fields.length; c++) {
            FieldVector vector = root.getVector(fields[c].name());
            for (int r = 0; r < batch.size(); r++) {
                Row row = batch.get(r);
                if (row.isNullAt(c)) {
                    setNull(vector, r);
                } else {
                    set(vector, r, row, c);
                }
            }
            vector.setValueCount(batch.size());
        }
        root.setRowCount(batch.size());
    }

    private static void set(FieldVector vector, int r, Row row, int c) {
        if (vector instanceof VarCharVector v) {
            v.setSafe(r, row.getString(c).getBytes(StandardCharsets.UTF_8));
        } else if (vector instanceof IntVector v) {
            v.setSafe(r, row.getInt(c));
        } else if (vector instanceof BigIntVector v) {
            v.setSafe(r, row.getLong(c));
        } else if (vector instanceof Float8Vector v) {
            v.setSafe(r, row.getDouble(c));
        } else if (vector instanceof ListVector v) {
            List<Object> items = Rows.list(row, c);
            int offset = v.startNewValue(r);
            FieldVector data = v.getDataVector();
            for (int j = 0; j < items.size(); j++) {
                if (data instanceof IntVector ints) {
                    ints.setSafe(offset + j, (Integer) items.get(j));
                } else {
                    ((VarCharVector) data).setSafe(offset + j, ((String) items.get(j)).getBytes(StandardCharsets.UTF_8));
                }
            }
            v.endValue(r, items.size());
        } else {
            throw new IllegalStateException("no Arrow writer for vector " + vector.getField());
        }
    }

    private static void setNull(FieldVector vector, int r) {
        if (vector instanceof ListVector v) {
            v.setNull(r);
        } else if (vector instanceof VarCharVector v) {
            v.setNull(r);
        } else if (vector instanceof IntVector v) {
            v.setNull(r);
        } else if (vector instanceof BigIntVector v) {
            v.setNull(r);
        } else if (vector instanceof Float8Vector v) {
            v.setNull(r);
        } else {
            throw new IllegalStateException("no Arrow writer for vector " + vector.getField());
        }
    }

    static Schema arrowSchema(StructType schema) {
        List<Field> fields = new ArrayList<>();
        for (StructField f : schema.fields()) {
            fields.add(field(f.name(), f.dataType()));
        }
        return new Schema(fields);
    }

    private static Field field(String name, DataType type) {
        if (type instanceof ArrayType array) {
            return new Field(name, FieldType.nullable(ArrowType.List.INSTANCE),
                    List.of(field("item", array.elementType())));
        }
        return new Field(name, FieldType.nullable(scalar(name, type)), null);
    }

    private static ArrowType scalar(String name, DataType type) {
        if (type.equals(DataTypes.StringType)) {
            return ArrowType.Utf8.INSTANCE;
        }
        if (type.equals(DataTypes.IntegerType)) {
            return new ArrowType.Int(32, true);
        }
        if (type.equals(DataTypes.LongType)) {
            return new ArrowType.Int(64, true);
        }
        if (type.equals(DataTypes.DoubleType)) {
            return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
        }
        throw new IllegalArgumentException("column " + name + ": no Arrow type for " + type.simpleString());
    }
}
