package io.memflow.serving.gguf;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed GGUF file (versions 2 and 3): metadata, tensor table, and memory-mapped tensor data.
 *
 * <p>Weights are never copied: {@link #tensorData} maps the tensor's byte range read-only. Each
 * tensor gets its own mapping because a {@link MappedByteBuffer} cannot exceed 2 GiB while model
 * files can; a single tensor above 2 GiB is rejected.
 *
 * <p>Every structural check fails with a {@link GgufFormatException} naming the file and the
 * problem, so a truncated download or a wrong file reads as such rather than as an index error.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    public static final int DEFAULT_ALIGNMENT = 32;

    private static final int MAX_COUNT = 1 << 24; // sanity bound on tensor and key counts

    private final Path path;
    private final FileChannel channel;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataStart;

    private GgufFile(
            Path path,
            FileChannel channel,
            int version,
            GgufMetadata metadata,
            Map<String, GgufTensorInfo> tensors,
            long dataStart) {
        this.path = path;
        this.channel = channel;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataStart = dataStart;
    }

    /**
     * Opens and validates {@code path}; the tensor data is mapped lazily by {@link #tensorData}.
     */
    public static GgufFile open(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "model file not found");
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long fileSize = ch.size();
            if (fileSize < 24) {
                throw new GgufFormatException(
                        path, "truncated: " + fileSize + " bytes is smaller than a GGUF header");
            }
            MappedByteBuffer head =
                    ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(fileSize, Integer.MAX_VALUE));
            head.order(ByteOrder.LITTLE_ENDIAN);
            return parse(path, ch, head, fileSize);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, FileChannel ch, ByteBuffer buf, long fileSize)
            throws GgufFormatException {
        try {
            int magic = buf.getInt();
            if (magic != MAGIC) {
                throw new GgufFormatException(
                        path, String.format("not a GGUF file (magic 0x%08x)", magic));
            }
            int version = buf.getInt();
            if (version != 2 && version != 3) {
                throw new GgufFormatException(
                        path, "unsupported GGUF version " + version + " (supported: 2, 3)");
            }
            long tensorCount = checkCount(path, "tensor count", buf.getLong());
            long kvCount = checkCount(path, "metadata count", buf.getLong());
            Map<String, Object> kv = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = readString(path, buf);
                int type = buf.getInt();
                kv.put(key, readValue(path, buf, type, key));
            }
            GgufMetadata metadata = new GgufMetadata(path, kv);
            Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
            for (long i = 0; i < tensorCount; i++) {
                GgufTensorInfo info = readTensorInfo(path, buf);
                if (tensors.put(info.name(), info) != null) {
                    throw new GgufFormatException(path, "duplicate tensor '" + info.name() + "'");
                }
            }
            int alignment = metadata.getInt("general.alignment", DEFAULT_ALIGNMENT);
            if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
                throw new GgufFormatException(path, "bad general.alignment " + alignment);
            }
            long dataStart = align(buf.position(), alignment);
            for (GgufTensorInfo t : tensors.values()) {
                if (t.offset() % alignment != 0) {
                    throw new GgufFormatException(
                            path, "tensor '" + t.name() + "' offset is not aligned");
                }
                long end = dataStart + t.offset() + t.byteSize();
                if (end > fileSize) {
                    throw new GgufFormatException(
                            path,
                            "truncated: tensor '"
                                    + t.name()
                                    + "' ends at byte "
                                    + end
                                    + " but the file has "
                                    + fileSize
                                    + " bytes");
                }
            }
            return new GgufFile(
                    path, ch, version, metadata, Collections.unmodifiableMap(tensors), dataStart);
        } catch (BufferUnderflowException e) {
            throw new GgufFormatException(path, "truncated: header ends before its declared end");
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(path, "corrupt header: " + e.getMessage(), e);
        }
    }

    private static long checkCount(Path path, String what, long n) throws GgufFormatException {
        if (n < 0 || n > MAX_COUNT) {
            throw new GgufFormatException(path, "corrupt header: " + what + " " + n);
        }
        return n;
    }

    private static GgufTensorInfo readTensorInfo(Path path, ByteBuffer buf)
            throws GgufFormatException {
        String name = readString(path, buf);
        int nDims = buf.getInt();
        if (nDims < 1 || nDims > 4) {
            throw new GgufFormatException(path, "tensor '" + name + "' has " + nDims + " dims");
        }
        long[] dims = new long[nDims];
        for (int d = 0; d < nDims; d++) {
            dims[d] = buf.getLong();
            if (dims[d] <= 0 || dims[d] > Integer.MAX_VALUE) {
                throw new GgufFormatException(
                        path, "tensor '" + name + "' has a bad dimension " + dims[d]);
            }
        }
        int typeId = buf.getInt();
        GgmlType type = GgmlType.fromId(typeId);
        if (type == null) {
            throw new GgufFormatException(
                    path,
                    "tensor '"
                            + name
                            + "' has unsupported tensor type id "
                            + typeId
                            + " (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)");
        }
        long offset = buf.getLong();
        GgufTensorInfo info = new GgufTensorInfo(name, dims, type, offset);
        if (info.elementCount() % type.blockSize() != 0) {
            throw new GgufFormatException(
                    path, "tensor '" + name + "' size is not a multiple of the " + type + " block");
        }
        return info;
    }

    private static String readString(Path path, ByteBuffer buf) throws GgufFormatException {
        long len = buf.getLong();
        if (len < 0 || len > buf.remaining()) {
            throw new GgufFormatException(
                    path,
                    "truncated or corrupt: string of "
                            + len
                            + " bytes at offset "
                            + buf.position());
        }
        byte[] bytes = new byte[(int) len];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static Object readValue(Path path, ByteBuffer buf, int type, String key)
            throws GgufFormatException {
        switch (type) {
            case 0:
                return buf.get() & 0xFF;
            case 1:
                return (int) buf.get();
            case 2:
                return buf.getShort() & 0xFFFF;
            case 3:
                return (int) buf.getShort();
            case 4:
                return buf.getInt() & 0xFFFFFFFFL;
            case 5:
                return buf.getInt();
            case 6:
                return buf.getFloat();
            case 7:
                return buf.get() != 0;
            case 8:
                return readString(path, buf);
            case 9:
                return readArray(path, buf, key);
            case 10:
            case 11:
                return buf.getLong();
            case 12:
                return buf.getDouble();
            default:
                throw new GgufFormatException(
                        path, "metadata '" + key + "' has unknown value type " + type);
        }
    }

    private static Object readArray(Path path, ByteBuffer buf, String key)
            throws GgufFormatException {
        int elemType = buf.getInt();
        long n = buf.getLong();
        if (n < 0 || n > buf.remaining()) {
            throw new GgufFormatException(
                    path, "truncated or corrupt: array '" + key + "' of " + n + " elements");
        }
        int count = (int) n;
        // Tokenizer arrays hold 10^5 entries: keep them as primitive arrays.
        switch (elemType) {
            case 6:
                float[] f = new float[count];
                for (int i = 0; i < count; i++) {
                    f[i] = buf.getFloat();
                }
                return f;
            case 4:
            case 5:
                int[] ints = new int[count];
                for (int i = 0; i < count; i++) {
                    ints[i] = buf.getInt();
                }
                return ints;
            case 8:
                String[] s = new String[count];
                for (int i = 0; i < count; i++) {
                    s[i] = readString(path, buf);
                }
                return s;
            default:
                List<Object> list = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    list.add(readValue(path, buf, elemType, key));
                }
                return list;
        }
    }

    static long align(long position, int alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    public Map<String, GgufTensorInfo> tensors() {
        return tensors;
    }

    public GgufTensorInfo tensor(String name) throws GgufFormatException {
        GgufTensorInfo t = tensors.get(name);
        if (t == null) {
            throw new GgufFormatException(path, "missing tensor '" + name + "'");
        }
        return t;
    }

    /** Maps the bytes of {@code info} read-only, little-endian; nothing is copied. */
    public ByteBuffer tensorData(GgufTensorInfo info) throws IOException {
        long bytes = info.byteSize();
        if (bytes > Integer.MAX_VALUE) {
            throw new GgufFormatException(
                    path, "tensor '" + info.name() + "' is larger than 2 GiB, not supported");
        }
        MappedByteBuffer mapped =
                channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.offset(), bytes);
        return mapped.order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
