package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import io.memflow.serving.kernels.Q8Activations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A read-only tensor of {@link #size()} elements stored in ggml layout inside a (memory-mapped)
 * byte buffer. Each subclass handles one storage format and provides, side by side, a scalar
 * reference and a Vector API twin of its kernels. Which twin runs is decided in one place, {@link
 * io.memflow.serving.kernels.Kernels}.
 *
 * <p>Subclasses only implement whole blocks ({@code dotBlocks*}, {@code dequantizeBlocks}); this
 * class handles offsets and lengths that start or end inside a block by falling back to {@link
 * #getFloat}, so every kernel accepts any offset and length.
 */
public abstract class FloatTensor {
    /** ggml bytes, little-endian, element 0 at index 0. */
    protected final ByteBuffer data;

    protected final int size;

    protected FloatTensor(ByteBuffer data, int size) {
        this.data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.size = size;
        long need = type().byteSize(size);
        if (data.capacity() < need) {
            throw new IllegalArgumentException(
                    type()
                            + " tensor of "
                            + size
                            + " elements needs "
                            + need
                            + " bytes, got "
                            + data.capacity());
        }
    }

    /** Wraps {@code data} as a tensor of {@code type}; nothing is copied. */
    public static FloatTensor wrap(GgmlType type, ByteBuffer data, int size) {
        switch (type) {
            case F32:
                return new F32Tensor(data, size);
            case F16:
                return new F16Tensor(data, size);
            case BF16:
                return new BF16Tensor(data, size);
            case Q8_0:
                return new Q8_0Tensor(data, size);
            case Q4_0:
                return new Q4_0Tensor(data, size);
            case Q4_K:
                return new Q4_KTensor(data, size);
            case Q6_K:
                return new Q6_KTensor(data, size);
            default:
                throw new IllegalArgumentException("unsupported tensor type " + type);
        }
    }

    public abstract GgmlType type();

    public final int size() {
        return size;
    }

    /**
     * Bytes one pass over the whole tensor reads: the file's bytes, or the heap copy's for formats
     * that repack at load. The numerator of the memory-bandwidth bound.
     */
    public long bytesRead() {
        return type().byteSize(size);
    }

    /** Element {@code index}, dequantized. Slow: for tests, heads and tails only. */
    public abstract float getFloat(int index);

    /** Scalar dot of whole blocks: sum over blocks [first, first+count) times x[xOffset...]. */
    protected abstract float dotBlocksScalar(
            int firstBlock, int blockCount, float[] x, int xOffset);

    /** Vector API twin of {@link #dotBlocksScalar}. */
    protected abstract float dotBlocksVector(
            int firstBlock, int blockCount, float[] x, int xOffset);

    /** Dequantizes whole blocks into out[outOffset...]. */
    protected abstract void dequantizeBlocks(
            int firstBlock, int blockCount, float[] out, int outOffset);

    /** Vector API twin of {@link #dequantizeBlocks}. */
    protected abstract void dequantizeBlocksVector(
            int firstBlock, int blockCount, float[] out, int outOffset);

    /** Scalar reference: sum of this[offset + i] * x[xOffset + i] for i in [0, n). */
    public final float dotScalar(int offset, float[] x, int xOffset, int n) {
        int bs = type().blockSize();
        if (offset % bs == 0 && n % bs == 0 && offset >= 0 && n >= 0 && offset + n <= size) {
            return dotBlocksScalar(offset / bs, n / bs, x, xOffset); // whole rows: the hot case
        }
        return dot(offset, x, xOffset, n, false);
    }

    /** Vector API: same result as {@link #dotScalar} up to float summation order. */
    public final float dotVector(int offset, float[] x, int xOffset, int n) {
        int bs = type().blockSize();
        if (offset % bs == 0 && n % bs == 0 && offset >= 0 && n >= 0 && offset + n <= size) {
            // whole rows, the hot case: a short path so C2's inlining budget goes to the kernel
            return dotBlocksVector(offset / bs, n / bs, x, xOffset);
        }
        return dot(offset, x, xOffset, n, true);
    }

    /**
     * Whether this format has integer dot products with {@link Q8Activations} ({@link #dotQ8Scalar}
     * and its twin). Formats that do keep their weights in heap arrays (see the subclass).
     */
    public boolean hasQ8Dot() {
        return false;
    }

    /**
     * Scalar reference of the integer dot: sum of this[offset + i] * x[xOffset + i] for i in [0,
     * n), where x is quantized. Offsets and n must be whole {@link Q8Activations#BLOCK}s: the
     * integer path serves whole weight rows only.
     */
    public final float dotQ8Scalar(int offset, Q8Activations x, int xOffset, int n) {
        checkQ8(offset, x, xOffset, n);
        int bs = Q8Activations.BLOCK;
        return dotQ8BlocksScalar(offset / bs, n / bs, x, xOffset / bs);
    }

    /** Vector API twin of {@link #dotQ8Scalar}: the same up to float summation order. */
    public final float dotQ8Vector(int offset, Q8Activations x, int xOffset, int n) {
        checkQ8(offset, x, xOffset, n);
        int bs = Q8Activations.BLOCK;
        return dotQ8BlocksVector(offset / bs, n / bs, x, xOffset / bs);
    }

    /**
     * Integer dot of 32-element blocks [first, first + count) of this tensor with activation blocks
     * starting at {@code xBlock}.
     */
    protected float dotQ8BlocksScalar(int first, int count, Q8Activations x, int xBlock) {
        throw new UnsupportedOperationException(type() + " has no integer dot");
    }

    /** Vector API twin of {@link #dotQ8BlocksScalar}. */
    protected float dotQ8BlocksVector(int first, int count, Q8Activations x, int xBlock) {
        throw new UnsupportedOperationException(type() + " has no integer dot");
    }

    private void checkQ8(int offset, Q8Activations x, int xOffset, int n) {
        int bs = Q8Activations.BLOCK;
        if (!hasQ8Dot()) {
            throw new UnsupportedOperationException(type() + " has no integer dot");
        }
        if (offset % bs != 0 || xOffset % bs != 0 || n % bs != 0) {
            throw new IllegalArgumentException(
                    "integer dot needs whole blocks of "
                            + bs
                            + ": offset "
                            + offset
                            + ", xOffset "
                            + xOffset
                            + ", n "
                            + n);
        }
        checkRange(offset, n);
        if (xOffset < 0 || xOffset + n > x.capacity()) {
            throw new IndexOutOfBoundsException(
                    "activations [" + xOffset + ", " + (xOffset + n) + ") of " + x.capacity());
        }
    }

    /** Scalar reference: writes this[offset .. offset+n) into out[outOffset ..]. */
    public final void dequantize(int offset, float[] out, int outOffset, int n) {
        dequantize(offset, out, outOffset, n, false);
    }

    /** Vector API: same values as {@link #dequantize} up to fused multiply-add rounding. */
    public final void dequantizeVector(int offset, float[] out, int outOffset, int n) {
        dequantize(offset, out, outOffset, n, true);
    }

    private void dequantize(int offset, float[] out, int outOffset, int n, boolean vector) {
        checkRange(offset, n);
        int bs = type().blockSize();
        int i = 0;
        while (i < n && (offset + i) % bs != 0) {
            out[outOffset + i] = getFloat(offset + i);
            i++;
        }
        int blocks = (n - i) / bs;
        if (blocks > 0) {
            if (vector) {
                dequantizeBlocksVector((offset + i) / bs, blocks, out, outOffset + i);
            } else {
                dequantizeBlocks((offset + i) / bs, blocks, out, outOffset + i);
            }
            i += blocks * bs;
        }
        for (; i < n; i++) {
            out[outOffset + i] = getFloat(offset + i);
        }
    }

    private float dot(int offset, float[] x, int xOffset, int n, boolean vector) {
        checkRange(offset, n);
        int bs = type().blockSize();
        float result = 0f;
        int i = 0;
        while (i < n && (offset + i) % bs != 0) { // head inside a block
            result += getFloat(offset + i) * x[xOffset + i];
            i++;
        }
        int blocks = (n - i) / bs;
        if (blocks > 0) {
            int first = (offset + i) / bs;
            result +=
                    vector
                            ? dotBlocksVector(first, blocks, x, xOffset + i)
                            : dotBlocksScalar(first, blocks, x, xOffset + i);
            i += blocks * bs;
        }
        for (; i < n; i++) { // tail inside a block
            result += getFloat(offset + i) * x[xOffset + i];
        }
        return result;
    }

    final void checkRange(int offset, int n) {
        if (offset < 0 || n < 0 || offset + n > size) {
            throw new IndexOutOfBoundsException(
                    "range [" + offset + ", " + (offset + n) + ") of " + size);
        }
    }

    /** Half-precision float at byte {@code index}. */
    protected final float f16(int index) {
        return Float16.toFloat(data.getShort(index));
    }
}
