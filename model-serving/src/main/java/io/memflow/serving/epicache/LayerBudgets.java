package io.memflow.serving.epicache;

import java.util.Arrays;

/**
 * Per-layer KV budgets from layer sensitivities (EpiCache §2.5). A layer whose keys change little
 * when its context is cut into blocks (high similarity s) loses little from eviction, so it gets
 * less: weight w_l = (1 - n_l)^α with n_l the min-max normalised similarity.
 *
 * <p>Unlike the reference, which floors after rounding and may overshoot, every layer first gets
 * the floor max(1, M/4) and the rest of L·M is shared by weight with largest-remainder rounding, so
 * the budgets sum to exactly L·M: methods compared "at the same budget" then really hold the same
 * number of entries.
 */
public final class LayerBudgets {
    /** Sharpness for Llama models in the reference scripts. */
    public static final double LLAMA_ALPHA = 1.1;

    private LayerBudgets() {}

    /** M for every layer. */
    public static int[] uniform(int layers, int budget) {
        int[] b = new int[layers];
        Arrays.fill(b, budget);
        return b;
    }

    public static int floor(int budget) {
        return Math.max(1, budget / 4);
    }

    /**
     * @param similarity s_l per layer: key similarity between full and block-masked attention
     * @param budget M, the average entries per layer
     * @param alpha sharpness; 0 gives the uniform budget
     */
    public static int[] allocate(float[] similarity, int budget, double alpha) {
        int layers = similarity.length;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float s : similarity) {
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        if (alpha == 0 || !(max - min > 1e-9f)) {
            return uniform(layers, budget);
        }
        double[] w = new double[layers];
        double sum = 0;
        for (int l = 0; l < layers; l++) {
            double n = (similarity[l] - min) / (max - min);
            w[l] = Math.pow(1 - n, alpha);
            sum += w[l];
        }
        int floor = floor(budget);
        long rest = (long) layers * budget - (long) layers * floor;
        int[] out = new int[layers];
        double[] remainder = new double[layers];
        long given = 0;
        for (int l = 0; l < layers; l++) {
            double share = rest * w[l] / sum;
            out[l] = floor + (int) Math.floor(share);
            remainder[l] = share - Math.floor(share);
            given += (long) Math.floor(share);
        }
        for (long left = rest - given; left > 0; left--) {
            int best = 0;
            for (int l = 1; l < layers; l++) {
                if (remainder[l] > remainder[best]) {
                    best = l;
                }
            }
            out[best]++;
            remainder[best] = -1;
        }
        return out;
    }
}
