package io.memflow.serving.sampling;

import java.util.SplittableRandom;

/** Samples from softmax(logits / temperature). */
public final class TemperatureSampler implements Sampler {
    private final float temperature;
    private final SplittableRandom random;

    public TemperatureSampler(float temperature, long seed) {
        if (temperature <= 0f) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        this.temperature = temperature;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public int sample(float[] logits) {
        softmax(logits, temperature);
        float r = (float) random.nextDouble();
        float cdf = 0f;
        for (int i = 0; i < logits.length; i++) {
            cdf += logits[i];
            if (r < cdf) {
                return i;
            }
        }
        return logits.length - 1; // rounding left the cdf just below 1
    }

    /** In place: logits become probabilities of softmax(logits / temperature). */
    static void softmax(float[] logits, float temperature) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.exp((logits[i] - max) / temperature);
            sum += logits[i];
        }
        for (int i = 0; i < logits.length; i++) {
            logits[i] /= (float) sum;
        }
    }
}
