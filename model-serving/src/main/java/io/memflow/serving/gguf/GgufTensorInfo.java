package io.memflow.serving.gguf;

import java.util.Arrays;

/**
 * One entry of the GGUF tensor table. {@code dims[0]} is the innermost (contiguous) dimension, as
 * in ggml: a weight matrix with {@code dims = [in, out]} stores {@code out} rows of {@code in}
 * elements. {@code offset} is relative to the start of the data section.
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset) {

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    @Override
    public String toString() {
        return name + Arrays.toString(dims) + " " + type;
    }
}
