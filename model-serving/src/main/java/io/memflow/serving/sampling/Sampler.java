package io.memflow.serving.sampling;

/** Picks the next token from the logits of the last position. */
@FunctionalInterface
public interface Sampler {
    /** May modify {@code logits}. */
    int sample(float[] logits);

    /**
     * Greedy when {@code temperature <= 0}; otherwise softmax at {@code temperature}, restricted to
     * the top-p nucleus when {@code 0 < topP < 1}. Seeded, so runs repeat exactly.
     */
    static Sampler create(float temperature, float topP, long seed) {
        if (temperature <= 0f) {
            return new GreedySampler();
        }
        if (topP > 0f && topP < 1f) {
            return new TopPSampler(temperature, topP, seed);
        }
        return new TemperatureSampler(temperature, seed);
    }
}
