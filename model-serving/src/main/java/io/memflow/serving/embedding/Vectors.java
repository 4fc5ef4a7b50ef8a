package io.memflow.serving.embedding;

/**
 * Small dense-vector helpers shared by clustering, routing and the inference operator: one place
 * for cosine and friends, so routing in a job and in the EpiCache benchmark scores alike. Sums run
 * in double: these are coordination-time vectors (embeddings, centroids), not the per-token hot
 * path.
 */
public final class Vectors {
    private Vectors() {}

    public static float dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return (float) s;
    }

    public static double squaredDistance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    /** Scales {@code v} to unit length in place; a zero vector stays zero. */
    public static float[] normalize(float[] v) {
        double n = Math.sqrt(dot(v, v));
        if (n > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] / n);
            }
        }
        return v;
    }

    /** Cosine of the angle between a and b; 0 when either is the zero vector. */
    public static float cosine(float[] a, float[] b) {
        double na = Math.sqrt(dot(a, a));
        double nb = Math.sqrt(dot(b, b));
        return na == 0 || nb == 0 ? 0f : (float) (dot(a, b) / (na * nb));
    }
}
