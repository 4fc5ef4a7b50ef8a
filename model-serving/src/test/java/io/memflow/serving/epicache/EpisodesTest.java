package io.memflow.serving.epicache;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.serving.embedding.HashingEmbedder;
import io.memflow.serving.embedding.Vectors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpisodesTest {

    @Test
    void routingPicksTheNearestCentroid() {
        List<Episode> episodes =
                List.of(
                        episode(0, 1f, 0f, 0f),
                        episode(1, 0f, 2f, 0f), // longer centroid: cosine must ignore length
                        episode(2, 0f, 0f, 0.5f));
        assertThat(EpisodeRouter.nearest(new float[] {0.9f, 0.1f, 0f}, episodes)).isZero();
        assertThat(EpisodeRouter.nearest(new float[] {0.6f, 0.8f, 0f}, episodes)).isEqualTo(1);
        assertThat(EpisodeRouter.nearest(new float[] {0.1f, 0.2f, 0.97f}, episodes)).isEqualTo(2);
    }

    @Test
    void kmeansIsSeededAndSeparatesClearGroups() {
        float[][] points = {
            {0f, 0f},
            {0.1f, 0f},
            {0f, 0.1f},
            {5f, 5f},
            {5.1f, 5f},
            {5f, 5.1f},
            {-5f, 5f},
            {-5f, 5.1f}
        };
        KMeans.Result a = KMeans.fit(points, 3, 42, 10);
        KMeans.Result b = KMeans.fit(points, 3, 42, 10);
        assertThat(a.labels()).containsExactly(b.labels());
        assertThat(a.labels()[0]).isEqualTo(a.labels()[1]).isEqualTo(a.labels()[2]);
        assertThat(a.labels()[3]).isEqualTo(a.labels()[4]).isEqualTo(a.labels()[5]);
        assertThat(a.labels()[6]).isEqualTo(a.labels()[7]);
        assertThat(a.labels()[0]).isNotEqualTo(a.labels()[3]).isNotEqualTo(a.labels()[6]);
        assertThat(KMeans.fit(points, 20, 1, 1).centroids().length).isEqualTo(points.length);
    }

    @Test
    void episodesAreWindowsOfFourWithTimeOrderedMedoids() {
        List<String> utterances = new ArrayList<>();
        String[] topics = {
            "dog puppy park walk", "guitar concert music band", "paint canvas art museum"
        };
        for (int w = 0; w < 30; w++) {
            for (int u = 0; u < 4; u++) {
                utterances.add("A said, \"" + topics[w % 3] + " " + u + "\"\n");
            }
        }
        utterances.add("B said, \"bye\"\n");
        assertThat(EpisodeBuilder.windows(utterances, 4)).hasSize(31);
        List<Episode> eps = EpisodeBuilder.build(utterances, new HashingEmbedder(), 4, 4, 8, 42);
        assertThat(eps).hasSizeBetween(3, 4);
        int covered = 0;
        for (Episode e : eps) {
            covered += e.windows().length;
            assertThat(e.medoidWindows().length).isLessThanOrEqualTo(8);
            assertThat(e.medoidWindows()).isSorted();
            assertThat(e.windows()).contains(e.medoidWindows());
        }
        assertThat(covered).isEqualTo(31);
        // windows of one topic share an episode
        for (Episode e : eps) {
            int t = e.windows()[0] % 3;
            if (e.windows()[0] < 30) {
                assertThat(
                                java.util.Arrays.stream(e.windows())
                                        .allMatch(w -> w == 30 || w % 3 == t))
                        .isTrue();
            }
        }
        // the same text routes to its own episode
        float[] q = Vectors.normalize(new HashingEmbedder().embed(List.of(topics[1]))[0]);
        int routed = EpisodeRouter.nearest(q, eps);
        assertThat(eps.get(routed).windows()).contains(1);
    }

    private static Episode episode(int id, float... centroid) {
        return new Episode(id, centroid, new int[] {id}, new int[] {id}, "");
    }
}
