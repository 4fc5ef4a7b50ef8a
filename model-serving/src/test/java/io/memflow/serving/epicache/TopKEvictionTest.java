package io.memflow.serving.epicache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopKEvictionTest {

    @Test
    void keepsTheHighestScoredPositionsInPositionOrder() {
        int[] positions = {3, 5, 8, 13, 21, 34};
        float[] scores = {0.1f, 0.9f, 0.05f, 0.7f, 0.2f, 0.3f};
        assertThat(TopKEviction.keep(positions, scores, 3)).containsExactly(5, 13, 34);
    }

    @Test
    void tiesGoToTheMoreRecentAndMissingScoresCountAsZero() {
        int[] positions = {0, 1, 2, 3};
        assertThat(TopKEviction.keep(positions, new float[] {0.5f, 0.5f, 0.5f}, 2))
                .containsExactly(1, 2);
        assertThat(TopKEviction.keep(positions, new float[] {0f, 0f}, 1)).containsExactly(3);
    }

    @Test
    void withinBudgetKeepsEverything() {
        int[] positions = {4, 9};
        assertThat(TopKEviction.keep(positions, new float[] {0f, 1f}, 2)).containsExactly(4, 9);
        assertThat(TopKEviction.keep(positions, new float[] {0f, 1f}, 0)).isEmpty();
    }
}
