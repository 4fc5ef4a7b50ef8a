package io.memflow.operators.embedding;

import java.nio.ByteBuffer;

/**
 * Vector helpers on the hot path: cosine of normalised vectors, and the int8 form in which
 * embeddings are stored in state and on the changelog ({@code MemoryRecord.embedding} bytes, one
 * signed byte per dimension, times {@code embeddingScale}). Symmetric per-vector quantisation keeps
 * cosine within ~0.01 of the float value for 384-d sentence vectors.
 */
public final class Vectors {
    private Vectors() {}

    /** A unit-length copy of {@code v} (the zero vector stays zero). */
    public static float[] normalize(float[] v) {
        return io.memflow.serving.embedding.Vectors.normalize(v.clone());
    }

    /** The one float dot product of memflow ({@link io.memflow.serving.embedding.Vectors#dot}). */
    public static double dot(float[] a, float[] b) {
        return io.memflow.serving.embedding.Vectors.dot(a, b);
    }

    /** The scale that maps the largest magnitude to 127. */
    public static float scale(float[] v) {
        float max = 0;
        for (float x : v) {
            max = Math.max(max, Math.abs(x));
        }
        return max == 0 ? 0f : max / 127f;
    }

    public static ByteBuffer quantize(float[] v, float scale) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = scale == 0 ? 0 : (byte) Math.max(-127, Math.min(127, Math.round(v[i] / scale)));
        }
        return ByteBuffer.wrap(b);
    }

    public static float[] dequantize(ByteBuffer bytes, float scale) {
        ByteBuffer d = bytes.duplicate();
        float[] out = new float[d.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get() * scale;
        }
        return out;
    }
}
