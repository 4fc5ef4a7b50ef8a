package io.memflow.serving.epicache;

import io.memflow.serving.embedding.TextEmbedder;
import io.memflow.serving.embedding.Vectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts a conversation into episodes (EpiCache §2.2): consecutive windows of {@code windowSize}
 * utterances, embedded and L2-normalised, clustered with seeded K-means; each episode's patched
 * prompt is its {@code medoids} windows nearest the centroid, put back into time order so the model
 * re-reads them as they happened.
 */
public final class EpisodeBuilder {
    /** Restarts of K-means, as in the reference (sklearn n_init=10). */
    public static final int KMEANS_RESTARTS = 10;

    private EpisodeBuilder() {}

    /**
     * Non-overlapping windows of {@code windowSize} utterances, concatenated; the last may be
     * short.
     */
    public static List<String> windows(List<String> utterances, int windowSize) {
        if (windowSize < 1) {
            throw new IllegalArgumentException("window size must be >= 1: " + windowSize);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < utterances.size(); i += windowSize) {
            out.add(
                    String.join(
                            "",
                            utterances.subList(i, Math.min(utterances.size(), i + windowSize))));
        }
        return out;
    }

    public static List<Episode> build(
            List<String> utterances,
            TextEmbedder embedder,
            int episodes,
            int windowSize,
            int medoids,
            long seed) {
        List<String> windows = windows(utterances, windowSize);
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("a conversation without utterances has no episodes");
        }
        float[][] e = embedder.embed(windows);
        for (float[] v : e) {
            Vectors.normalize(v);
        }
        KMeans.Result fit = KMeans.fit(e, episodes, seed, KMEANS_RESTARTS);
        List<Episode> out = new ArrayList<>();
        for (int c = 0; c < fit.centroids().length; c++) {
            int[] members = membersOf(fit.labels(), c);
            if (members.length == 0) {
                continue; // K-means may leave a seed without members; it is no episode
            }
            float[] centroid = fit.centroids()[c];
            int[] nearest =
                    Arrays.stream(members)
                            .boxed()
                            .sorted(
                                    Comparator.comparingDouble(
                                            (Integer w) -> -Vectors.cosine(e[w], centroid)))
                            .limit(medoids)
                            .mapToInt(Integer::intValue)
                            .sorted()
                            .toArray();
            StringBuilder text = new StringBuilder();
            for (int w : nearest) {
                text.append(text.length() == 0 ? "" : "\n").append(windows.get(w));
            }
            out.add(new Episode(out.size(), centroid, members, nearest, text.toString()));
        }
        return out;
    }

    private static int[] membersOf(int[] labels, int cluster) {
        int n = 0;
        for (int l : labels) {
            n += l == cluster ? 1 : 0;
        }
        int[] out = new int[n];
        int i = 0;
        for (int w = 0; w < labels.length; w++) {
            if (labels[w] == cluster) {
                out[i++] = w;
            }
        }
        return out;
    }
}
