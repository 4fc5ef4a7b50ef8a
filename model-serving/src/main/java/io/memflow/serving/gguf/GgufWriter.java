package io.memflow.serving.gguf;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes GGUF version 3 files: used by {@code synth-model} and by tests that build models and
 * malformed files by hand. Tensor bytes are streamed, so multi-GB files never sit in memory.
 */
public final class GgufWriter {

    /** Produces exactly the tensor's bytes, in ggml layout. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(OutputStream out) throws IOException;
    }

    private record Entry(String key, int type, Object value) {}

    private record Tensor(String name, GgmlType type, long[] dims, TensorBytes data) {
        long byteSize() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return type.byteSize(n);
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final int alignment = GgufFile.DEFAULT_ALIGNMENT;

    public GgufWriter putString(String key, String value) {
        entries.add(new Entry(key, 8, value));
        return this;
    }

    public GgufWriter putUInt32(String key, int value) {
        entries.add(new Entry(key, 4, value));
        return this;
    }

    public GgufWriter putFloat32(String key, float value) {
        entries.add(new Entry(key, 6, value));
        return this;
    }

    public GgufWriter putBool(String key, boolean value) {
        entries.add(new Entry(key, 7, value));
        return this;
    }

    public GgufWriter putStringArray(String key, String[] value) {
        entries.add(new Entry(key, 9, value));
        return this;
    }

    public GgufWriter putFloatArray(String key, float[] value) {
        entries.add(new Entry(key, 9, value));
        return this;
    }

    /** Written as an array of i32, as llama.cpp writes {@code tokenizer.ggml.token_type}. */
    public GgufWriter putIntArray(String key, int[] value) {
        entries.add(new Entry(key, 9, value));
        return this;
    }

    /** Adds a tensor; {@code dims[0]} is the innermost dimension (row length). */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, TensorBytes data) {
        tensors.add(new Tensor(name, type, dims.clone(), data));
        return this;
    }

    /** Writes the file, replacing {@code path}. */
    public void write(Path path) throws IOException {
        try (CountingStream out =
                new CountingStream(
                        new BufferedOutputStream(Files.newOutputStream(path), 1 << 20))) {
            writeHeader(out);
            pad(out);
            for (Tensor t : tensors) {
                long start = out.count;
                t.data.writeTo(out);
                long written = out.count - start;
                if (written != t.byteSize()) {
                    throw new IllegalStateException(
                            "tensor "
                                    + t.name
                                    + " wrote "
                                    + written
                                    + " bytes, expected "
                                    + t.byteSize());
                }
                pad(out);
            }
        }
    }

    private void writeHeader(CountingStream out) throws IOException {
        writeInt(out, GgufFile.MAGIC);
        writeInt(out, 3);
        writeLong(out, tensors.size());
        writeLong(out, entries.size());
        for (Entry e : entries) {
            writeString(out, e.key);
            writeInt(out, e.type);
            writeValue(out, e.type, e.value);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            writeString(out, t.name);
            writeInt(out, t.dims.length);
            for (long d : t.dims) {
                writeLong(out, d);
            }
            writeInt(out, t.type.id());
            writeLong(out, offset);
            offset = GgufFile.align(offset + t.byteSize(), alignment);
        }
    }

    private static void writeValue(OutputStream out, int type, Object v) throws IOException {
        switch (type) {
            case 4:
                writeInt(out, (Integer) v);
                break;
            case 6:
                writeInt(out, Float.floatToRawIntBits((Float) v));
                break;
            case 7:
                out.write((Boolean) v ? 1 : 0);
                break;
            case 8:
                writeString(out, (String) v);
                break;
            case 9:
                writeArray(out, v);
                break;
            default:
                throw new IllegalArgumentException("type " + type);
        }
    }

    private static void writeArray(OutputStream out, Object v) throws IOException {
        if (v instanceof String[]) {
            String[] a = (String[]) v;
            writeInt(out, 8);
            writeLong(out, a.length);
            for (String s : a) {
                writeString(out, s);
            }
        } else if (v instanceof float[]) {
            float[] a = (float[]) v;
            writeInt(out, 6);
            writeLong(out, a.length);
            for (float f : a) {
                writeInt(out, Float.floatToRawIntBits(f));
            }
        } else {
            int[] a = (int[]) v;
            writeInt(out, 5);
            writeLong(out, a.length);
            for (int i : a) {
                writeInt(out, i);
            }
        }
    }

    private void pad(CountingStream out) throws IOException {
        while (out.count % alignment != 0) {
            out.write(0);
        }
    }

    private static void writeString(OutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeLong(out, b.length);
        out.write(b);
    }

    static void writeInt(OutputStream out, int v) throws IOException {
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    static void writeLong(OutputStream out, long v) throws IOException {
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
