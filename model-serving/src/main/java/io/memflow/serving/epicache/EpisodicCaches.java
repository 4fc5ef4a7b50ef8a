package io.memflow.serving.epicache;

import io.memflow.serving.embedding.TextEmbedder;
import io.memflow.serving.embedding.Vectors;
import io.memflow.serving.kvcache.KvCache;
import java.util.List;

/**
 * The result of EpiCache on one context: one compressed cache per episode, and the router. To
 * answer a question, {@link #route} it, extend the chosen cache with the question from {@link
 * #nextPosition()} on, decode, then {@link KvCache#drop} the question's and answer's positions so
 * the episode's cache stays reusable.
 */
public final class EpisodicCaches {
    private final List<Episode> episodes;
    private final List<KvCache> caches;
    private final List<PrefillStats> stats;
    private final TextEmbedder embedder;
    private final int nextPosition;

    EpisodicCaches(
            List<Episode> episodes,
            List<KvCache> caches,
            List<PrefillStats> stats,
            TextEmbedder embedder,
            int nextPosition) {
        this.episodes = List.copyOf(episodes);
        this.caches = List.copyOf(caches);
        this.stats = List.copyOf(stats);
        this.embedder = embedder;
        this.nextPosition = nextPosition;
    }

    public List<Episode> episodes() {
        return episodes;
    }

    /** The compressed cache of episode {@code e} (index into {@link #episodes()}). */
    public KvCache cache(int e) {
        return caches.get(e);
    }

    public PrefillStats stats(int e) {
        return stats.get(e);
    }

    /** Index of the episode whose centroid is nearest to the question's embedding. */
    public int route(String question) {
        float[] q = Vectors.normalize(embedder.embed(List.of(question))[0]);
        return EpisodeRouter.nearest(q, episodes);
    }

    /** The position the next token (the question) goes to in every episode's cache. */
    public int nextPosition() {
        return nextPosition;
    }

    /** Bytes held by all episode caches together (only one is needed per question). */
    public long bytesInUse() {
        long b = 0;
        for (KvCache c : caches) {
            b += c.bytesInUse();
        }
        return b;
    }
}
