package io.memflow.serving.gguf;

/**
 * The ggml tensor types this engine reads. Each type stores its elements in blocks of {@link
 * #blockSize()} elements taking {@link #blockBytes()} bytes; the ids are ggml's and appear in the
 * GGUF tensor table.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 2 + 16),
    Q8_0(8, 32, 2 + 32),
    /** 256-element super-block: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes qs. */
    Q4_K(12, 256, 2 + 2 + 12 + 128),
    /** 256-element super-block: 128 bytes ql, 64 bytes qh, 16 int8 scales, f16 d. */
    Q6_K(14, 256, 128 + 64 + 16 + 2),
    BF16(30, 1, 2);

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public int id() {
        return id;
    }

    /** Elements per block. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Bytes needed for {@code elements} elements; {@code elements} must be a block multiple. */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    this + " needs a multiple of " + blockSize + " elements, got " + elements);
        }
        return elements / blockSize * blockBytes;
    }

    /** The type with ggml id {@code id}, or null when this engine does not support it. */
    public static GgmlType fromId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
