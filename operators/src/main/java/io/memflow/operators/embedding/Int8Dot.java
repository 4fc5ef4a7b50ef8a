package io.memflow.operators.embedding;

/**
 * Exact integer dot products between a question vector (quantised to 16 bits) and stored int8
 * embeddings: {@code sum q[i] * d[off + i]} in 32-bit integers. Integer sums do not depend on the
 * order of the additions, so the Vector API kernel and the scalar reference give the same value to
 * the last bit, and a ranking computed by the job and by {@code serve} agrees on any JVM. 384 terms
 * of at most 32767 × 127 stay below 2^31 (dimensions up to 516 are safe).
 */
public final class Int8Dot {
    /** Largest dimension whose sum cannot overflow an int. */
    public static final int MAX_DIMENSION = Integer.MAX_VALUE / (Short.MAX_VALUE * 128);

    private static final boolean VECTOR =
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                    && VectorInt8Dot.usable();

    private Int8Dot() {}

    /** A question vector as 16-bit integers and the scale that maps them back. */
    public record Query(int[] values, float scale) {}

    /** Quantises {@code q} to 16 bits per value (scale = max |q| / 32767). */
    public static Query query(float[] q) {
        float max = 0;
        for (float x : q) {
            max = Math.max(max, Math.abs(x));
        }
        float scale = max == 0 ? 0f : max / Short.MAX_VALUE;
        int[] v = new int[q.length];
        for (int i = 0; i < q.length; i++) {
            v[i] = scale == 0 ? 0 : Math.round(q[i] / scale);
        }
        return new Query(v, scale);
    }

    /** {@code sum q[i] * d[off + i]} for i in [0, n); the fastest kernel this JVM has. */
    public static int dot(int[] q, byte[] d, int off, int n) {
        return VECTOR ? VectorInt8Dot.dot(q, d, off, n) : scalar(q, d, off, n);
    }

    /** The reference kernel. */
    public static int scalar(int[] q, byte[] d, int off, int n) {
        int s = 0;
        for (int i = 0; i < n; i++) {
            s += q[i] * d[off + i];
        }
        return s;
    }

    /** Whether {@link #dot} runs the Vector API kernel. */
    public static boolean vectorised() {
        return VECTOR;
    }
}
