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

    public static float[] normalize(float[] v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        n = Math.sqrt(n);
        float[] out = new float[v.length];
        if (n == 0) {
            return out;
        }
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / n);
        }
        return out;
    }

    public static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /**
     * Dot product of a float vector with an int8 one (to be multiplied by the int8 vector's scale):
     * the stored embeddings are read as bytes, never dequantised into a float array. Four partial
     * sums let the CPU overlap the additions.
     */
    public static float dotInt8(float[] a, byte[] b) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int n = Math.min(a.length, b.length);
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
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
