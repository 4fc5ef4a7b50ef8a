package io.memflow.serving.epicache;

import io.memflow.serving.embedding.Vectors;
import java.util.ArrayList;
import java.util.List;

/**
 * Routes a query to the episode whose centroid is nearest in angle. The reference takes the dot
 * product with the unnormalised centroid; cosine differs only by the centroid's length, which would
 * otherwise favour tight clusters over broad ones regardless of topic.
 */
public final class EpisodeRouter {
    private EpisodeRouter() {}

    /** Index in {@code episodes} of the centroid with the highest cosine to {@code query}. */
    public static int nearest(float[] query, List<Episode> episodes) {
        List<float[]> centroids = new ArrayList<>(episodes.size());
        for (Episode e : episodes) {
            centroids.add(e.centroid());
        }
        return nearestCentroid(query, centroids);
    }

    /**
     * Index in {@code centroids} of the one with the highest cosine to {@code query}; ties go to
     * the lower index, so routing is stable across replays. The query need not be normalised.
     */
    public static int nearestCentroid(float[] query, List<float[]> centroids) {
        if (centroids.isEmpty()) {
            throw new IllegalArgumentException("no episodes to route to");
        }
        int best = 0;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int e = 0; e < centroids.size(); e++) {
            float s = Vectors.cosine(query, centroids.get(e));
            if (s > bestScore) {
                bestScore = s;
                best = e;
            }
        }
        return best;
    }
}
