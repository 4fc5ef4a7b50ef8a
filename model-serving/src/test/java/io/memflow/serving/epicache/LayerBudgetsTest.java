package io.memflow.serving.epicache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LayerBudgetsTest {

    @Test
    void budgetsSumToLayersTimesMAndRespectTheFloor() {
        float[][] profiles = {
            {1.0f, 0.99999f, 0.99998f, 0.99996f, 0.99994f},
            {0.9f, 0.2f, 0.5f, 0.95f},
            {0.1f, 0.1f, 0.1f, 0.8f, 0.1f, 0.1f, 0.1f},
            {0.3f, 0.7f}
        };
        for (float[] s : profiles) {
            for (int m : new int[] {1, 3, 7, 96, 1000}) {
                for (double alpha : new double[] {0, 1.1, 1.3, 3}) {
                    int[] b = LayerBudgets.allocate(s, m, alpha);
                    assertThat(Arrays.stream(b).sum())
                            .as("s=%s M=%d α=%f", Arrays.toString(s), m, alpha)
                            .isEqualTo(s.length * m);
                    assertThat(Arrays.stream(b).min().getAsInt())
                            .isGreaterThanOrEqualTo(Math.max(1, m / 4));
                }
            }
        }
    }

    @Test
    void sensitiveLayersGetMoreAndTheLeastSensitiveGetsTheFloor() {
        int[] b = LayerBudgets.allocate(new float[] {0.9f, 0.2f, 0.5f, 0.95f}, 100, 1.1);
        assertThat(b[1]).isGreaterThan(b[2]).isGreaterThan(b[0]);
        assertThat(b[3]).isEqualTo(25);
    }

    @Test
    void equalSimilaritiesOrZeroAlphaGiveTheUniformBudget() {
        assertThat(LayerBudgets.allocate(new float[] {0.5f, 0.5f, 0.5f}, 10, 1.1))
                .containsExactly(10, 10, 10);
        assertThat(LayerBudgets.allocate(new float[] {0.1f, 0.5f, 0.9f}, 10, 0))
                .containsExactly(10, 10, 10);
    }
}
