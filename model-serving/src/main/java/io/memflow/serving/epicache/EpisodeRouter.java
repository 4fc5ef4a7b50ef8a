package io.memflow.serving.epicache;

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
        if (episodes.isEmpty()) {
            throw new IllegalArgumentException("no episodes to route to");
        }
        int best = 0;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int e = 0; e < episodes.size(); e++) {
            float s = Vectors.cosine(query, episodes.get(e).centroid());
            if (s > bestScore) {
                bestScore = s;
                best = e;
            }
        }
        return best;
    }
}
