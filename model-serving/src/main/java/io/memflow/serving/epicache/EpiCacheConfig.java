package io.memflow.serving.epicache;

/**
 * EpiCache knobs; {@link #defaults(int, int)} gives the paper's script defaults for the episode
 * side (4 episodes, windows of 4 utterances, 8 medoid windows, seed 42).
 *
 * @param budget M, average entries per layer kept between blocks
 * @param block B, tokens prefilled per block
 * @param episodes E, K-means clusters
 * @param window utterances per window
 * @param medoids windows per patched prompt
 * @param promptTokens cap on the patched prompt's tokens (the model's context is finite)
 * @param seed K-means seed
 */
public record EpiCacheConfig(
        int budget, int block, int episodes, int window, int medoids, int promptTokens, long seed) {

    public EpiCacheConfig {
        if (budget < 1
                || block < 1
                || episodes < 1
                || window < 1
                || medoids < 1
                || promptTokens < 1) {
            throw new IllegalArgumentException(
                    "budget, block, episodes, window, medoids and promptTokens must be >= 1");
        }
    }

    public static EpiCacheConfig defaults(int budget, int block) {
        return new EpiCacheConfig(budget, block, 4, 4, 8, 256, 42L);
    }

    public EpiCacheConfig withEpisodes(int e) {
        return new EpiCacheConfig(budget, block, e, window, medoids, promptTokens, seed);
    }

    public EpiCacheConfig withPromptTokens(int p) {
        return new EpiCacheConfig(budget, block, episodes, window, medoids, p, seed);
    }
}
