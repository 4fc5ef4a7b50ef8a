package io.memflow.serving.epicache;

import java.util.Arrays;

/**
 * Chooses which cache entries of one layer survive: the {@code budget} highest-scored, ties going
 * to the more recent position (recent tokens are the likelier to matter to the next block). Pure,
 * so the eviction rule is testable without a model.
 */
public final class TopKEviction {
    private TopKEviction() {}

    /**
     * @param positions positions of the layer's slots (slot order)
     * @param scores score of each slot; slots past its end score 0
     * @param budget entries to keep
     * @return the kept positions, ascending; all of them when within budget
     */
    public static int[] keep(int[] positions, float[] scores, int budget) {
        if (budget < 0) {
            throw new IllegalArgumentException("budget must be >= 0: " + budget);
        }
        if (positions.length <= budget) {
            return positions.clone();
        }
        Integer[] order = new Integer[positions.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                (a, b) -> {
                    int c = Float.compare(score(scores, b), score(scores, a));
                    return c != 0 ? c : Integer.compare(positions[b], positions[a]);
                });
        int[] kept = new int[budget];
        for (int i = 0; i < budget; i++) {
            kept[i] = positions[order[i]];
        }
        Arrays.sort(kept);
        return kept;
    }

    private static float score(float[] scores, int slot) {
        return slot < scores.length ? scores[slot] : 0f;
    }
}
