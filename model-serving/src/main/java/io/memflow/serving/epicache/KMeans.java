package io.memflow.serving.epicache;

import io.memflow.serving.embedding.Vectors;
import java.util.Random;

/**
 * Seeded K-means (Lloyd iterations from k-means++ seeds, best of {@code restarts} by inertia), the
 * clustering EpiCache uses to cut a conversation into episodes. Same seed, same input, same result:
 * episodes, and hence caches, are reproducible.
 */
public final class KMeans {
    /** Cluster of each point, the (unnormalised) mean of each cluster, and the fit's inertia. */
    public record Result(int[] labels, float[][] centroids, double inertia) {}

    private static final int MAX_ITERATIONS = 300;

    private KMeans() {}

    /**
     * Clusters {@code points} into {@code k} groups ({@code min(k, points)} when there are fewer
     * points than clusters).
     */
    public static Result fit(float[][] points, int k, long seed, int restarts) {
        if (points.length == 0 || k < 1 || restarts < 1) {
            throw new IllegalArgumentException(
                    "k-means needs points, k >= 1 and restarts >= 1: "
                            + points.length
                            + " points, k="
                            + k);
        }
        int clusters = Math.min(k, points.length);
        Random random = new Random(seed);
        Result best = null;
        for (int r = 0; r < restarts; r++) {
            Result fit = lloyd(points, seedCentroids(points, clusters, random));
            if (best == null || fit.inertia < best.inertia) {
                best = fit;
            }
        }
        return best;
    }

    /** k-means++: each next seed drawn with probability proportional to squared distance. */
    private static float[][] seedCentroids(float[][] points, int k, Random random) {
        float[][] c = new float[k][];
        c[0] = points[random.nextInt(points.length)].clone();
        double[] d2 = new double[points.length];
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (int i = 0; i < points.length; i++) {
                d2[i] = Double.MAX_VALUE;
                for (int m = 0; m < j; m++) {
                    d2[i] = Math.min(d2[i], Vectors.squaredDistance(points[i], c[m]));
                }
                total += d2[i];
            }
            int pick = random.nextInt(points.length); // all points coincide: any will do
            if (total > 0) {
                double target = random.nextDouble() * total;
                for (int i = 0; i < points.length; i++) {
                    target -= d2[i];
                    if (target <= 0) {
                        pick = i;
                        break;
                    }
                }
            }
            c[j] = points[pick].clone();
        }
        return c;
    }

    private static Result lloyd(float[][] points, float[][] centroids) {
        int[] labels = new int[points.length];
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            boolean changed = assign(points, centroids, labels) || it == 0;
            update(points, centroids, labels);
            if (!changed) {
                break;
            }
        }
        assign(points, centroids, labels);
        double inertia = 0;
        for (int i = 0; i < points.length; i++) {
            inertia += Vectors.squaredDistance(points[i], centroids[labels[i]]);
        }
        return new Result(labels, centroids, inertia);
    }

    private static boolean assign(float[][] points, float[][] centroids, int[] labels) {
        boolean changed = false;
        for (int i = 0; i < points.length; i++) {
            int best = 0;
            double bestD = Double.MAX_VALUE;
            for (int c = 0; c < centroids.length; c++) {
                double d = Vectors.squaredDistance(points[i], centroids[c]);
                if (d < bestD) {
                    bestD = d;
                    best = c;
                }
            }
            changed |= labels[i] != best;
            labels[i] = best;
        }
        return changed;
    }

    /** Centroid = member mean; an emptied cluster keeps its old centroid rather than vanishing. */
    private static void update(float[][] points, float[][] centroids, int[] labels) {
        int dim = points[0].length;
        double[][] sum = new double[centroids.length][dim];
        int[] count = new int[centroids.length];
        for (int i = 0; i < points.length; i++) {
            count[labels[i]]++;
            for (int d = 0; d < dim; d++) {
                sum[labels[i]][d] += points[i][d];
            }
        }
        for (int c = 0; c < centroids.length; c++) {
            if (count[c] > 0) {
                for (int d = 0; d < dim; d++) {
                    centroids[c][d] = (float) (sum[c][d] / count[c]);
                }
            }
        }
    }
}
